#include "common/new_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string_view>
#include <utility>

namespace ccproxy {
namespace {

Result<void> write_all(int fd, std::string_view data) {
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

std::optional<std::string> write_file_via_temp(const std::filesystem::path& target,
                                               std::string_view text, bool replace, mode_t mode) {
  std::filesystem::path tmp = target;
  tmp += ".tmp-" + std::to_string(::getpid());
  int fd = create_new_file(tmp, mode);
  if (fd < 0) {
    return "cannot create " + tmp.string() + ": " + std::strerror(errno);
  }
  auto written = write_all(fd, text);
  // The mode asked for, whatever the umask took away; never wider.
  if (!written || ::fchmod(fd, mode) != 0 || ::fsync(fd) != 0) {
    std::string why = written ? std::strerror(errno) : written.error();
    ::close(fd);
    ::unlink(tmp.c_str());
    return "cannot write " + tmp.string() + ": " + why;
  }
  if (::close(fd) != 0) {
    std::string why = std::strerror(errno);
    ::unlink(tmp.c_str());
    return "cannot write " + tmp.string() + ": " + why;
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

Result<void> replace_file(const std::filesystem::path& path, const std::string& text, mode_t mode) {
  if (auto error = write_file_via_temp(path, text, true, mode)) {
    return fail(std::move(*error));
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
