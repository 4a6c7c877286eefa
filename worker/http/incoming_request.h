#pragma once
// The parts of a client request the handlers use, as the Session read them.

#include <chrono>
#include <string>

namespace ccproxy::worker {

struct IncomingRequest {
  std::string id;  // req_...
  std::string body;
  std::string x_api_key;
  std::string authorization;
  std::string anthropic_beta;
  std::string session_id;  // x-claude-code-session-id (the usage ledger's session)
  bool keep_alive = true;
  std::chrono::steady_clock::time_point started;
};

}  // namespace ccproxy::worker
