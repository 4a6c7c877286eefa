#pragma once
// One supervisor per home: an exclusive flock on pids/supervisor.lock held for the supervisor's
// whole life. The kernel drops it when the process dies, so a crash never leaves a stale lock.

#include <filesystem>
#include <optional>

#include "common/result.h"

namespace ccproxy::supervisor {

class SupervisorLock {
 public:
  /// nullopt when another process holds the lock; an error when the file cannot be opened.
  static Result<std::optional<SupervisorLock>> try_acquire(const std::filesystem::path& path);
  /// True when some process holds the lock (checked without keeping it).
  static bool is_held(const std::filesystem::path& path);

  SupervisorLock(SupervisorLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  SupervisorLock& operator=(SupervisorLock&&) = delete;
  ~SupervisorLock();

 private:
  explicit SupervisorLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace ccproxy::supervisor
