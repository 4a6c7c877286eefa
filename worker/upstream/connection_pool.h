#pragma once
// The keep-alive pool: idle upstream connections per upstream host, bounded in number and
// age. Internal to the worker (includes Asio through connection.h).

#include <chrono>
#include <cstddef>
#include <deque>
#include <map>
#include <memory>
#include <string>

#include "worker/upstream/connection.h"

namespace ccproxy::worker {

/// Idle keep-alive connections per upstream host, bounded in number and age.
class ConnectionPool {
 public:
  ConnectionPool(std::size_t max_idle_per_host, std::chrono::milliseconds max_idle_time);

  std::unique_ptr<UpstreamConnection> take(const std::string& key);
  void put(const std::string& key, std::unique_ptr<UpstreamConnection> connection);
  void clear();
  /// Closes idle connections that are too old or that the server has closed (they would
  /// otherwise sit in CLOSE_WAIT until the next request). The worker calls it periodically.
  void sweep();
  std::size_t idle_count() const;

 private:
  void prune(std::deque<std::unique_ptr<UpstreamConnection>>& list);

  std::size_t max_idle_;
  std::chrono::milliseconds max_idle_time_;
  std::map<std::string, std::deque<std::unique_ptr<UpstreamConnection>>> idle_;
};

}  // namespace ccproxy::worker
