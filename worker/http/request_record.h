#pragma once
// What one /v1/messages request did, for its log line (and anything else that records
// requests): models, the upstream that answered and those that failed first, usage, errors.

#include <string>
#include <vector>

#include "worker/convert/usage.h"
#include "worker/worker_config.h"

namespace ccproxy::worker {

struct RequestRecord {
  std::string client_model;
  std::string upstream_model;
  const char* route = nullptr;            // the routing rule that chose upstream_model
  Provider provider = Provider::generic;  // whose rules the translation followed
  bool stream = false;
  convert::Usage usage;
  int retries = 0;       // rounds over the pool after the first (backoff before each)
  std::string error;     // the last failure, when the request failed
  std::string upstream;  // the upstream that answered ("" when none did)
  std::vector<std::string> failed_upstreams;  // attempts that failed first, in order
  /// The stream broke after it started (cut, idle timeout, an error event from upstream).
  bool upstream_broke = false;
};

}  // namespace ccproxy::worker
