#pragma once
// The parts of a client request the handlers use, as the Session read them.

#include <chrono>
#include <cstdint>
#include <string>

namespace ccproxy::worker {

struct IncomingRequest {
  std::string id;  // req_...
  std::string body;
  std::string x_api_key;
  std::string authorization;
  std::string anthropic_beta;
  /// x-claude-code-session-id: one Claude Code session (kept on one upstream and key).
  std::string session_id;
  uint64_t connection_id = 0;  // the client connection, numbered from 1 by the worker
  bool keep_alive = true;
  std::chrono::steady_clock::time_point started;
};

}  // namespace ccproxy::worker
