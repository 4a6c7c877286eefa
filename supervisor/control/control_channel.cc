#include "supervisor/control/control_channel.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace ccproxy::supervisor {

using std::chrono::steady_clock;

namespace {

Result<sockaddr_un> unix_address(const std::filesystem::path& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  const std::string s = path.string();
  if (s.size() >= sizeof(addr.sun_path)) {
    return fail("socket path too long (" + std::to_string(s.size()) + " bytes, max " +
                std::to_string(sizeof(addr.sun_path) - 1) + "): " + s);
  }
  std::memcpy(addr.sun_path, s.c_str(), s.size() + 1);
  return addr;
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

}  // namespace

ControlServer::~ControlServer() {
  close();
}

Result<void> ControlServer::listen(const std::filesystem::path& path) {
  auto addr = unix_address(path);
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
  int rc = ::bind(fd_, reinterpret_cast<const sockaddr*>(&*addr), sizeof(sockaddr_un));
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

void ControlServer::serve_pending(
    const std::function<nlohmann::json(const nlohmann::json&)>& handler,
    std::chrono::milliseconds read_timeout) {
  while (true) {
    int c = ::accept4(fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (c < 0) {
      return;  // EAGAIN: nothing pending
    }
    auto deadline = steady_clock::now() + read_timeout;
    auto line = read_line(c, deadline);
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
}

void ControlServer::close() {
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
    ::unlink(path_.c_str());
  }
}

Result<nlohmann::json> control_request(const std::filesystem::path& path,
                                       const nlohmann::json& request,
                                       std::chrono::milliseconds timeout) {
  auto addr = unix_address(path);
  if (!addr) {
    return fail(addr.error());
  }
  auto deadline = steady_clock::now() + timeout;
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return fail(std::string("socket: ") + std::strerror(errno));
  }
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&*addr), sizeof(sockaddr_un)) != 0) {
    std::string why = std::strerror(errno);
    ::close(fd);
    return fail("cannot connect to " + path.string() + ": " + why);
  }
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

}  // namespace ccproxy::supervisor
