#pragma once
// The CLI <-> supervisor control channel: a Unix stream socket (pids/ccproxy.sock, mode 0600),
// and the same service on a name in the abstract namespace (os/abstract_socket.h), which stays
// reachable when pids/ is removed. No file mode guards an abstract name, so both ends check the
// other's uid there: the supervisor answers only its own user (and root), the client talks only
// to a supervisor of its own user.
// One connection per request: the client writes one JSON line, the supervisor answers with one
// JSON line and closes. The messages themselves are in control_protocol.h.

#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"

namespace ccproxy::supervisor {

class ControlServer {
 public:
  ControlServer() = default;
  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;
  ~ControlServer();

  /// Binds the socket file (replacing a stale one; the caller holds the supervisor lock).
  Result<void> listen(const std::filesystem::path& path);
  /// Serves on the abstract name `name` too. An error when it cannot be bound (another
  /// process holds it); the socket file is served either way.
  Result<void> listen_abstract(const std::string& name);
  /// The socket file's listening fd.
  int fd() const { return fd_; }
  /// Every listening fd (the socket file's, then the abstract name's): poll them all.
  std::vector<int> fds() const;
  /// Accepts pending connections on every socket and answers each with handler(request). Never
  /// blocks for long: a client gets `read_timeout` to send its line.
  void serve_pending(const std::function<nlohmann::json(const nlohmann::json&)>& handler,
                     std::chrono::milliseconds read_timeout = std::chrono::milliseconds(200));
  void close();

 private:
  int fd_ = -1;
  int abstract_fd_ = -1;
  std::filesystem::path path_;
};

/// Sends one request over the socket file; an error when nobody listens, or on timeout.
Result<nlohmann::json> control_request(const std::filesystem::path& path,
                                       const nlohmann::json& request,
                                       std::chrono::milliseconds timeout);

/// The same, and when nobody listens on the socket file (or it is gone), over `abstract_name`
/// to a listener of our own uid.
Result<nlohmann::json> control_request(const std::filesystem::path& path,
                                       const std::string& abstract_name,
                                       const nlohmann::json& request,
                                       std::chrono::milliseconds timeout);

/// The pid of the process listening on `abstract_name` when it runs as our uid (SO_PEERCRED of
/// a connection, closed at once); nullopt when none does.
std::optional<int> abstract_listener_pid(const std::string& abstract_name);

}  // namespace ccproxy::supervisor
