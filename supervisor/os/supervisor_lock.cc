#include "supervisor/os/supervisor_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace ccproxy::supervisor {

Result<std::optional<SupervisorLock>> SupervisorLock::try_acquire(
    const std::filesystem::path& path) {
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    return fail("cannot open " + path.string() + ": " + std::strerror(errno));
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    int err = errno;
    ::close(fd);
    if (err == EWOULDBLOCK) {
      return std::optional<SupervisorLock>{};
    }
    return fail("cannot lock " + path.string() + ": " + std::strerror(err));
  }
  return std::optional<SupervisorLock>(SupervisorLock(fd));
}

bool SupervisorLock::is_held(const std::filesystem::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return false;
  }
  bool held = ::flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
  ::close(fd);
  return held;
}

SupervisorLock::~SupervisorLock() {
  if (fd_ >= 0) {
    ::close(fd_);
  }
}

}  // namespace ccproxy::supervisor
