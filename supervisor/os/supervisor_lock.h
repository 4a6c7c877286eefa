#pragma once
// One supervisor per home, held for the supervisor's whole life in two ways: an exclusive flock
// on pids/supervisor.lock, and a socket bound to an abstract name made from that path
// (abstract_socket.h). Removing pids/ removes the lock file, never the abstract name, so a
// second supervisor for the same home cannot start even then. The kernel drops both when the
// process dies, so a crash never leaves a stale lock.

#include <filesystem>
#include <optional>

#include "common/result.h"

namespace ccproxy::supervisor {

class SupervisorLock {
 public:
  /// nullopt when another process holds the lock (either part of it); an error when the file
  /// cannot be opened or the socket not made.
  static Result<std::optional<SupervisorLock>> try_acquire(const std::filesystem::path& path);
  /// True when some process holds the lock (either part; checked without keeping it).
  static bool is_held(const std::filesystem::path& path);

  SupervisorLock(SupervisorLock&& other) noexcept : fd_(other.fd_), socket_fd_(other.socket_fd_) {
    other.fd_ = -1;
    other.socket_fd_ = -1;
  }
  SupervisorLock& operator=(SupervisorLock&&) = delete;
  ~SupervisorLock();

 private:
  SupervisorLock(int fd, int socket_fd) : fd_(fd), socket_fd_(socket_fd) {}
  int fd_ = -1;         // the flocked file
  int socket_fd_ = -1;  // bound to abstract_name(path, "supervisor")
};

}  // namespace ccproxy::supervisor
