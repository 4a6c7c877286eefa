#include "supervisor/control/control_channel.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <optional>

#include "supervisor/os/abstract_socket.h"

namespace ccproxy::supervisor {

using std::chrono::steady_clock;

namespace {

// A socket address: a socket file, or a name in the abstract namespace.
struct UnixAddress {
  sockaddr_un addr{};
  socklen_t len = 0;
  std::string label;  // for messages: the path, or "@name"
};

Result<UnixAddress> file_address(const std::filesystem::path& path) {
  UnixAddress a;
  a.addr.sun_family = AF_UNIX;
  const std::string s = path.string();
  if (s.size() >= sizeof(a.addr.sun_path)) {
    return fail("socket path too long (" + std::to_string(s.size()) + " bytes, max " +
                std::to_string(sizeof(a.addr.sun_path) - 1) + "): " + s);
  }
  std::memcpy(a.addr.sun_path, s.c_str(), s.size() + 1);
  a.len = sizeof(sockaddr_un);
  a.label = s;
  return a;
}

Result<UnixAddress> abstract_address(const std::string& name) {
  UnixAddress a;
  a.addr.sun_family = AF_UNIX;
  if (name.size() + 1 > sizeof(a.addr.sun_path)) {
    return fail("abstract socket name too long: " + name);
  }
  // sun_path[0] stays '\0'; the name's length is part of the address.
  std::memcpy(a.addr.sun_path + 1, name.data(), name.size());
  a.len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name.size());
  a.label = "@" + name;
  return a;
}

// Who is at the other end of a connected Unix socket (pid and uid).
std::optional<ucred> peer_credentials(int fd) {
  ucred cred{};
  socklen_t len = sizeof(cred);
  if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
    return std::nullopt;
  }
  return cred;
}

// Reads until '\n' or EOF before the deadline.
Result<std::string> read_line(int fd, steady_clock::time_point deadline) {
  std::string data;
  char buf[4096];
  while (true) {
    auto nl = data.find('\n');
    if (nl != std::string::npos) {
      return data.substr(0, nl);
    }
    auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - steady_clock::now());
    if (left.count() <= 0) {
      return fail(std::string("timed out"));
    }
    pollfd p{fd, POLLIN, 0};
    int n = ::poll(&p, 1, static_cast<int>(left.count()));
    if (n < 0 && errno != EINTR) {
      return fail(std::string(std::strerror(errno)));
    }
    if (n <= 0) {
      continue;
    }
    ssize_t r = ::recv(fd, buf, sizeof(buf), 0);
    if (r == 0) {
      if (data.empty()) {
        return fail(std::string("connection closed"));
      }
      return data;
    }
    if (r < 0) {
      if (errno == EAGAIN || errno == EINTR) {
        continue;
      }
      return fail(std::string(std::strerror(errno)));
    }
    data.append(buf, static_cast<std::size_t>(r));
  }
}

Result<void> write_all(int fd, const std::string& data, steady_clock::time_point deadline) {
  std::size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) {
        auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - steady_clock::now());
        if (left.count() <= 0) {
          return fail(std::string("timed out"));
        }
        pollfd p{fd, POLLOUT, 0};
        ::poll(&p, 1, static_cast<int>(left.count()));
        continue;
      }
      return fail(std::string(std::strerror(errno)));
    }
    off += static_cast<std::size_t>(n);
  }
  return {};
}

// Answers one accepted connection: reads its request line, writes handler's reply, closes.
void answer(int c, const std::function<nlohmann::json(const nlohmann::json&)>& handler,
            std::chrono::milliseconds read_timeout) {
  auto line = read_line(c, steady_clock::now() + read_timeout);
  nlohmann::json reply;
  if (!line) {
    reply = {{"ok", false}, {"error", "bad request: " + line.error()}};
  } else {
    try {
      reply = handler(nlohmann::json::parse(*line));
    } catch (const std::exception& e) {
      reply = {{"ok", false}, {"error", std::string("bad request: ") + e.what()}};
    }
  }
  (void)write_all(c, reply.dump() + "\n", steady_clock::now() + std::chrono::seconds(1));
  ::close(c);
}

// A peer the supervisor answers on its abstract name: our own user, or root (who can reach
// the socket file anyway).
bool trusted_client(int c) {
  auto peer = peer_credentials(c);
  return peer && (peer->uid == ::geteuid() || peer->uid == 0);
}

// A blocking socket connected to `a`; an error naming the address when nobody listens there.
Result<int> connect_to(const UnixAddress& a) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return fail(std::string("socket: ") + std::strerror(errno));
  }
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&a.addr), a.len) != 0) {
    std::string why = std::strerror(errno);
    ::close(fd);
    return fail("cannot connect to " + a.label + ": " + why);
  }
  return fd;
}

// Over the connected `fd` (closed here): writes the request, reads and parses the reply line.
Result<nlohmann::json> exchange(int fd, const nlohmann::json& request,
                                steady_clock::time_point deadline) {
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  auto w = write_all(fd, request.dump() + "\n", deadline);
  if (!w) {
    ::close(fd);
    return fail("cannot send to the supervisor: " + w.error());
  }
  auto line = read_line(fd, deadline);
  ::close(fd);
  if (!line) {
    return fail("no answer from the supervisor: " + line.error());
  }
  try {
    return nlohmann::json::parse(*line);
  } catch (const std::exception& e) {
    return fail(std::string("bad answer from the supervisor: ") + e.what());
  }
}

// A connection to the supervisor on its abstract name, refused unless it runs as our user
// (anyone can bind an abstract name first).
Result<int> connect_abstract(const std::string& name) {
  auto addr = abstract_address(name);
  if (!addr) {
    return fail(addr.error());
  }
  auto fd = connect_to(*addr);
  if (!fd) {
    return fd;
  }
  auto peer = peer_credentials(*fd);
  if (!peer || peer->uid != ::geteuid()) {
    ::close(*fd);
    return fail(addr->label + " is held by another user's process");
  }
  return fd;
}

}  // namespace

ControlServer::~ControlServer() {
  close();
}

Result<void> ControlServer::listen(const std::filesystem::path& path) {
  auto addr = file_address(path);
  if (!addr) {
    return fail(addr.error());
  }
  ::unlink(path.c_str());
  fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd_ < 0) {
    return fail(std::string("socket: ") + std::strerror(errno));
  }
  // Created 0600 from the start: umask during bind, chmod as a second guard.
  mode_t old = ::umask(0177);
  int rc = ::bind(fd_, reinterpret_cast<const sockaddr*>(&addr->addr), addr->len);
  ::umask(old);
  if (rc != 0 || ::chmod(path.c_str(), 0600) != 0 || ::listen(fd_, 64) != 0) {
    std::string why = std::strerror(errno);
    ::close(fd_);
    fd_ = -1;
    return fail("cannot listen on " + path.string() + ": " + why);
  }
  path_ = path;
  return {};
}

Result<void> ControlServer::listen_abstract(const std::string& name) {
  auto bound = bind_abstract(name);
  if (!bound) {
    return fail(bound.error());
  }
  if (!bound.value()) {
    return fail("the control socket @" + name + " is held by another process");
  }
  const int fd = *bound.value();
  if (::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK) != 0 || ::listen(fd, 64) != 0) {
    std::string why = std::strerror(errno);
    ::close(fd);
    return fail("cannot listen on @" + name + ": " + why);
  }
  abstract_fd_ = fd;
  return {};
}

std::vector<int> ControlServer::fds() const {
  std::vector<int> out;
  for (int fd : {fd_, abstract_fd_}) {
    if (fd >= 0) {
      out.push_back(fd);
    }
  }
  return out;
}

void ControlServer::serve_pending(
    const std::function<nlohmann::json(const nlohmann::json&)>& handler,
    std::chrono::milliseconds read_timeout) {
  for (int listening : fds()) {
    while (true) {
      int c = ::accept4(listening, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (c < 0) {
        break;  // EAGAIN: nothing pending
      }
      if (listening == abstract_fd_ && !trusted_client(c)) {
        ::close(c);
        continue;
      }
      answer(c, handler, read_timeout);
    }
  }
}

void ControlServer::close() {
  if (abstract_fd_ >= 0) {
    ::close(abstract_fd_);
    abstract_fd_ = -1;
  }
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
    ::unlink(path_.c_str());
  }
}

Result<nlohmann::json> control_request(const std::filesystem::path& path,
                                       const nlohmann::json& request,
                                       std::chrono::milliseconds timeout) {
  auto deadline = steady_clock::now() + timeout;
  auto addr = file_address(path);
  if (!addr) {
    return fail(addr.error());
  }
  auto fd = connect_to(*addr);
  if (!fd) {
    return fail(fd.error());
  }
  return exchange(*fd, request, deadline);
}

Result<nlohmann::json> control_request(const std::filesystem::path& path,
                                       const std::string& abstract_name,
                                       const nlohmann::json& request,
                                       std::chrono::milliseconds timeout) {
  auto deadline = steady_clock::now() + timeout;
  auto addr = file_address(path);
  auto fd = addr ? connect_to(*addr) : Result<int>(fail(addr.error()));
  if (!fd) {
    auto other = connect_abstract(abstract_name);
    if (!other) {
      return fail(fd.error() + "; " + other.error());
    }
    fd = std::move(other);
  }
  return exchange(*fd, request, deadline);
}

std::optional<int> abstract_listener_pid(const std::string& abstract_name) {
  auto fd = connect_abstract(abstract_name);
  if (!fd) {
    return std::nullopt;
  }
  auto peer = peer_credentials(*fd);
  ::close(*fd);
  if (!peer || peer->pid <= 0) {
    return std::nullopt;
  }
  return static_cast<int>(peer->pid);
}

}  // namespace ccproxy::supervisor
