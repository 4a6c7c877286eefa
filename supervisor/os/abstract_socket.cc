#include "supervisor/os/abstract_socket.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdio>
#include <cstring>

#include "common/sha256.h"

namespace ccproxy::supervisor {

std::string abstract_name(const std::filesystem::path& path, std::string_view role) {
  std::error_code ec;
  std::filesystem::path canonical = std::filesystem::weakly_canonical(path, ec);
  if (ec) {
    canonical = std::filesystem::absolute(path, ec).lexically_normal();
  }
  std::string name = "ccproxy-" + std::string(role) + "-";
  for (std::uint8_t b : sha256(canonical.string())) {
    char hex[3];
    std::snprintf(hex, sizeof(hex), "%02x", b);
    name += hex;
  }
  return name;
}

Result<std::optional<int>> bind_abstract(const std::string& name) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (name.size() + 1 > sizeof(addr.sun_path)) {
    return fail("abstract socket name too long: " + name);
  }
  // sun_path[0] stays '\0': the abstract namespace. The name is not NUL-terminated; its length
  // is part of the address.
  std::memcpy(addr.sun_path + 1, name.data(), name.size());
  const auto len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name.size());
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return fail(std::string("socket: ") + std::strerror(errno));
  }
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&addr), len) != 0) {
    int err = errno;
    ::close(fd);
    if (err == EADDRINUSE) {
      return std::optional<int>{};
    }
    return fail("cannot bind @" + name + ": " + std::strerror(err));
  }
  return std::optional<int>(fd);
}

bool abstract_bound(const std::string& name) {
  auto fd = bind_abstract(name);
  if (!fd) {
    return false;
  }
  if (!fd.value()) {
    return true;
  }
  ::close(*fd.value());
  return false;
}

}  // namespace ccproxy::supervisor
