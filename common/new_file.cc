#include "common/new_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace ccproxy {

int create_new_file(const std::filesystem::path& path, mode_t mode) {
  ::unlink(path.c_str());
  return ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
}

std::optional<std::string> write_file_via_temp(const std::filesystem::path& target,
                                               std::string_view text, bool replace, mode_t mode) {
  std::filesystem::path tmp = target;
  tmp += ".tmp-" + std::to_string(::getpid());
  int fd = create_new_file(tmp, mode);
  if (fd < 0) {
    return "cannot create " + tmp.string() + ": " + std::strerror(errno);
  }
  const char* p = text.data();
  std::size_t left = text.size();
  while (left > 0) {
    ssize_t n = ::write(fd, p, left);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      std::string err = std::strerror(errno);
      ::close(fd);
      ::unlink(tmp.c_str());
      return "cannot write " + tmp.string() + ": " + err;
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  ::fchmod(fd, mode);  // the umask may have narrowed it; never widen beyond `mode`
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    std::string err = std::strerror(errno);
    ::unlink(tmp.c_str());
    return "cannot write " + tmp.string() + ": " + err;
  }
  int rc = replace ? ::rename(tmp.c_str(), target.c_str()) : ::link(tmp.c_str(), target.c_str());
  int saved = errno;
  if (!replace || rc != 0) {
    ::unlink(tmp.c_str());
  }
  if (rc != 0) {
    if (saved == EEXIST) {
      return std::string(kFileExists);
    }
    return "cannot create " + target.string() + ": " + std::strerror(saved);
  }
  return std::nullopt;
}

}  // namespace ccproxy
