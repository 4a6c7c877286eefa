#include "worker/upstream/connection_pool.h"

#include <iterator>

namespace ccproxy::worker {

ConnectionPool::ConnectionPool(std::size_t max_idle_per_host,
                               std::chrono::milliseconds max_idle_time)
    : max_idle_(max_idle_per_host), max_idle_time_(max_idle_time) {}

void ConnectionPool::prune(std::deque<std::unique_ptr<UpstreamConnection>>& list) {
  auto now = std::chrono::steady_clock::now();
  while (!list.empty() && now - list.front()->idle_since > max_idle_time_) {
    list.pop_front();  // the destructor closes it
  }
}

std::unique_ptr<UpstreamConnection> ConnectionPool::take(const std::string& key) {
  auto it = idle_.find(key);
  if (it == idle_.end()) {
    return nullptr;
  }
  prune(it->second);
  // Most recently used first: the one least likely to have been closed by the server.
  while (!it->second.empty()) {
    auto conn = std::move(it->second.back());
    it->second.pop_back();
    if (conn->looks_reusable()) {
      conn->reused = true;
      return conn;
    }
  }
  return nullptr;
}

void ConnectionPool::put(const std::string& key, std::unique_ptr<UpstreamConnection> connection) {
  if (max_idle_ == 0 || !connection->is_open()) {
    return;
  }
  auto& list = idle_[key];
  prune(list);
  connection->idle_since = std::chrono::steady_clock::now();
  list.push_back(std::move(connection));
  while (list.size() > max_idle_) {
    list.pop_front();
  }
}

void ConnectionPool::clear() {
  idle_.clear();
}

void ConnectionPool::sweep() {
  for (auto it = idle_.begin(); it != idle_.end();) {
    auto& list = it->second;
    prune(list);
    std::erase_if(
        list, [](const std::unique_ptr<UpstreamConnection>& c) { return !c->looks_reusable(); });
    it = list.empty() ? idle_.erase(it) : std::next(it);
  }
}

std::size_t ConnectionPool::idle_count() const {
  std::size_t n = 0;
  for (const auto& [k, v] : idle_) {
    n += v.size();
  }
  return n;
}

}  // namespace ccproxy::worker
