#include "supervisor/os/supervisor_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

#include "supervisor/os/abstract_socket.h"

namespace ccproxy::supervisor {

namespace {

constexpr const char* kRole = "supervisor";

// The flock part: the locked fd, nullopt when another process holds it.
Result<std::optional<int>> lock_file(const std::filesystem::path& path) {
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    return fail("cannot open " + path.string() + ": " + std::strerror(errno));
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    int err = errno;
    ::close(fd);
    if (err == EWOULDBLOCK) {
      return std::optional<int>{};
    }
    return fail("cannot lock " + path.string() + ": " + std::strerror(err));
  }
  return std::optional<int>(fd);
}

bool file_locked(const std::filesystem::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return false;
  }
  bool held = ::flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
  ::close(fd);
  return held;
}

}  // namespace

Result<std::optional<SupervisorLock>> SupervisorLock::try_acquire(
    const std::filesystem::path& path) {
  // The abstract name first: it is the part that survives the removal of the file. is_held()
  // binds the name for a moment to test it: a few tries tell that apart from a holder.
  const std::string name = abstract_name(path, kRole);
  auto socket = bind_abstract(name);
  for (int attempt = 0; attempt < 5 && socket && !socket.value(); ++attempt) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    socket = bind_abstract(name);
  }
  if (!socket) {
    return fail(socket.error());
  }
  if (!socket.value()) {
    return std::optional<SupervisorLock>{};
  }
  auto file = lock_file(path);
  if (!file || !file.value()) {
    ::close(*socket.value());
    if (!file) {
      return fail(file.error());
    }
    return std::optional<SupervisorLock>{};
  }
  return std::optional<SupervisorLock>(SupervisorLock(*file.value(), *socket.value()));
}

bool SupervisorLock::is_held(const std::filesystem::path& path) {
  return file_locked(path) || abstract_bound(abstract_name(path, kRole));
}

SupervisorLock::~SupervisorLock() {
  if (fd_ >= 0) {
    ::close(fd_);
  }
  if (socket_fd_ >= 0) {
    ::close(socket_fd_);
  }
}

}  // namespace ccproxy::supervisor
