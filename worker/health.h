#pragma once
// The body of GET /health. Built from local state only: it never calls the provider and never
// contains a key (only whether one is configured).

#include <cstdint>
#include <string>
#include <vector>

#include "worker/metrics.h"
#include "worker/upstream/pool.h"
#include "worker/worker_config.h"

namespace ccproxy::worker {

struct HealthSnapshot {
  const WorkerConfig* config = nullptr;
  uint16_t port = 0;  // the bound port
  int64_t pid = 0;
  double uptime_s = 0;
  std::string timestamp;  // ISO 8601, UTC
  const Metrics* metrics = nullptr;
  std::vector<UpstreamStatus> upstreams;  // the pool's view, in profile order
};

std::string health_json(const HealthSnapshot& snapshot);

/// base_url without userinfo (user:pass@) so that credentials in a URL never leak.
std::string display_url(const std::string& url);

/// "2026-11-21T22:13:49.123Z"
std::string iso8601_now();

}  // namespace ccproxy::worker
