#pragma once
// The CLI <-> supervisor control channel: a Unix stream socket (pids/ccproxy.sock, mode 0600).
// One connection per request: the client writes one JSON line, the supervisor answers with one
// JSON line and closes. Requests: {"op":"status"|"start"|"stop"|"restart"|"reload", ...}.

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "common/result.h"

namespace ccproxy::supervisor {

class ControlServer {
 public:
  ControlServer() = default;
  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;
  ~ControlServer();

  /// Binds the socket (replacing a stale socket file; the caller holds the supervisor lock).
  Result<void> listen(const std::filesystem::path& path);
  int fd() const { return fd_; }
  /// Accepts pending connections and answers each with handler(request). Never blocks for long:
  /// a client gets `read_timeout` to send its line.
  void serve_pending(const std::function<nlohmann::json(const nlohmann::json&)>& handler,
                     std::chrono::milliseconds read_timeout = std::chrono::milliseconds(200));
  void close();

 private:
  int fd_ = -1;
  std::filesystem::path path_;
};

/// Sends one request; an error when nobody listens, or on timeout.
Result<nlohmann::json> control_request(const std::filesystem::path& path,
                                       const nlohmann::json& request,
                                       std::chrono::milliseconds timeout);

}  // namespace ccproxy::supervisor
