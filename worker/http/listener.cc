#include "worker/http/listener.h"

#include <arpa/inet.h>
#include <linux/filter.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#ifndef SO_DETACH_REUSEPORT_BPF
#define SO_DETACH_REUSEPORT_BPF 68
#endif

namespace ccproxy::worker {
namespace {

struct Address {
  sockaddr_storage storage{};
  socklen_t length = 0;
  int family = AF_INET;
};

Result<Address> parse_address(const std::string& host, std::uint16_t port) {
  Address a;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&a.storage);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&a.storage);
  if (::inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    a.length = sizeof(sockaddr_in);
    return a;
  }
  if (::inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    a.length = sizeof(sockaddr_in6);
    a.family = AF_INET6;
    return a;
  }
  return fail("host " + host + " is not an IP address");
}

/// A bound (not yet listening) socket; `reuseport` also sets SO_REUSEPORT.
Result<int> bound_socket(const Address& a, std::uint16_t port, bool reuseport) {
  int fd = ::socket(a.family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return fail(std::string("socket: ") + std::strerror(errno));
  }
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (reuseport && ::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0) {
    const int err = errno;
    ::close(fd);
    return fail(std::string("SO_REUSEPORT: ") + std::strerror(err));
  }
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&a.storage), a.length) != 0) {
    const int err = errno;
    ::close(fd);
    if (err == EADDRINUSE) {
      return fail("port " + std::to_string(port) + " is already in use");
    }
    return fail("cannot bind port " + std::to_string(port) + ": " + std::strerror(err));
  }
  return fd;
}

}  // namespace

bool port_taken(const std::string& host, std::uint16_t port) {
  auto a = parse_address(host, port);
  if (!a || port == 0) {
    return false;
  }
  auto fd = bound_socket(*a, port, false);
  if (!fd) {
    return true;
  }
  ::close(*fd);
  return false;
}

Result<int> open_listener(const std::string& host, std::uint16_t port, bool successor) {
  auto a = parse_address(host, port);
  if (!a) {
    return fail(a.error());
  }
  if (!successor && port_taken(host, port)) {
    return fail("port " + std::to_string(port) + " is already in use");
  }
  auto fd = bound_socket(*a, port, true);
  if (!fd) {
    return fd;
  }
  if (::listen(*fd, SOMAXCONN) != 0) {
    const int err = errno;
    ::close(*fd);
    return fail("cannot listen on port " + std::to_string(port) + ": " + std::strerror(err));
  }
  // The group's steering program, if a handover left one, would send every new connection to
  // the group's second socket: nobody's once a new successor arrives. ENOENT: there was none.
  const int zero = 0;
  ::setsockopt(*fd, SOL_SOCKET, SO_DETACH_REUSEPORT_BPF, &zero, sizeof zero);
  return fd;
}

bool steer_to_successor(int listener_fd) {
  // The return value of a reuseport program is the index of the chosen socket in the group,
  // in the order the sockets joined: 0 is the outgoing worker, 1 its successor. (When the
  // outgoing one has gone, 1 is out of range and the kernel falls back to its hash.)
  sock_filter code[] = {{BPF_RET | BPF_K, 0, 0, 1}};
  sock_fprog prog{};
  prog.len = 1;
  prog.filter = code;
  return ::setsockopt(listener_fd, SOL_SOCKET, SO_ATTACH_REUSEPORT_CBPF, &prog, sizeof prog) == 0;
}

}  // namespace ccproxy::worker
