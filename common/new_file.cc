#include "common/new_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace ccproxy {
namespace {

Result<void> write_all(int fd, const std::string& data) {
  std::size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return fail(std::string(std::strerror(errno)));
    }
    off += static_cast<std::size_t>(n);
  }
  return {};
}

}  // namespace

int create_new_file(const std::filesystem::path& path, mode_t mode) {
  ::unlink(path.c_str());
  return ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
}

Result<void> replace_file(const std::filesystem::path& path, const std::string& text, mode_t mode) {
  std::filesystem::path tmp = path;
  tmp += ".tmp." + std::to_string(::getpid());
  int fd = create_new_file(tmp, mode);
  if (fd < 0) {
    return fail("cannot create " + tmp.string() + ": " + std::strerror(errno));
  }
  auto w = write_all(fd, text);
  // The mode asked for, whatever the umask took away.
  if (!w || ::fchmod(fd, mode) != 0 || ::fsync(fd) != 0) {
    std::string why = w ? std::strerror(errno) : w.error();
    ::close(fd);
    ::unlink(tmp.c_str());
    return fail("cannot write " + tmp.string() + ": " + why);
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    std::string why = std::strerror(errno);
    ::unlink(tmp.c_str());
    return fail("cannot rename " + tmp.string() + " to " + path.string() + ": " + why);
  }
  // The rename is durable only once the directory entry is on disk.
  std::filesystem::path dir = path.parent_path().empty() ? "." : path.parent_path();
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return {};
}

}  // namespace ccproxy
