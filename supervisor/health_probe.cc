#include "supervisor/health_probe.h"

#include <cctype>
#include <cstdlib>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace ccproxy::supervisor {

using std::chrono::steady_clock;

std::string HealthResult::kind_name() const {
  switch (kind) {
    case HealthKind::ok:
      return "ok";
    case HealthKind::http:
      return "http";
    case HealthKind::timeout:
      return "timeout";
    case HealthKind::refused:
      return "refused";
    case HealthKind::error:
      return "error";
    case HealthKind::none:
      return "none";
  }
  return "none";
}

std::string HealthResult::str() const {
  switch (kind) {
    case HealthKind::ok: {
      auto us = latency.count();
      if (us < 1000) {
        return "ok <1ms";
      }
      return "ok " + std::to_string((us + 500) / 1000) + "ms";
    }
    case HealthKind::http:
      return "http " + std::to_string(http_status);
    case HealthKind::timeout:
      return "timeout";
    case HealthKind::refused:
      return "refused";
    case HealthKind::error:
      return detail.empty() ? "error" : "error: " + detail;
    case HealthKind::none:
      return "-";
  }
  return "-";
}

namespace {

enum class Phase { connecting, sending, reading, done };

struct Probe {
  int fd = -1;
  Phase phase = Phase::done;
  std::string request;
  std::size_t sent = 0;
  std::string response;
  steady_clock::time_point started;
  HealthResult result;
  bool ok_seen = false;  // a 200 status line arrived; the body is being read
};

// A /health body larger than this is not kept (the worker's is a few KB).
constexpr std::size_t kMaxHealthResponse = 256 * 1024;

void finish(Probe& p, HealthKind kind, std::string detail = {}) {
  p.result.kind = kind;
  p.result.detail = std::move(detail);
  if (!p.ok_seen) {  // else the latency is the status line's
    p.result.latency =
        std::chrono::duration_cast<std::chrono::microseconds>(steady_clock::now() - p.started);
  }
  p.phase = Phase::done;
  if (p.fd >= 0) {
    ::close(p.fd);
    p.fd = -1;
  }
}

void start(Probe& p, const ProbeTarget& t) {
  p.started = steady_clock::now();
  std::string host = t.host.empty() ? "127.0.0.1" : t.host;
  sockaddr_storage addr{};
  socklen_t len = 0;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&addr);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&addr);
  if (host == "0.0.0.0" || host == "localhost") {
    host = "127.0.0.1";
  }
  if (host == "::" || host == "[::]") {
    host = "::1";
  }
  if (!host.empty() && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(t.port);
    len = sizeof(sockaddr_in);
  } else if (inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(t.port);
    len = sizeof(sockaddr_in6);
  } else {
    finish(p, HealthKind::error, "not an IP address: " + host);
    return;
  }
  p.fd = ::socket(addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (p.fd < 0) {
    finish(p, HealthKind::error, std::strerror(errno));
    return;
  }
  std::string host_header = addr.ss_family == AF_INET6 ? "[" + host + "]" : host;
  p.request = "GET /health HTTP/1.1\r\nHost: " + host_header + ":" + std::to_string(t.port) +
              "\r\nUser-Agent: ccproxy-supervisor\r\nConnection: close\r\n\r\n";
  if (::connect(p.fd, reinterpret_cast<sockaddr*>(&addr), len) == 0) {
    p.phase = Phase::sending;
  } else if (errno == EINPROGRESS) {
    p.phase = Phase::connecting;
  } else if (errno == ECONNREFUSED) {
    finish(p, HealthKind::refused);
  } else {
    finish(p, HealthKind::error, std::strerror(errno));
  }
}

// After a 200: the body once Content-Length bytes of it are here (or the peer closed, `eof`);
// true when done.
bool read_body(Probe& p, bool eof) {
  const std::string& r = p.response;
  auto head_end = r.find("\r\n\r\n");
  if (head_end == std::string::npos || r.size() > kMaxHealthResponse) {
    if (eof || r.size() > kMaxHealthResponse) {
      finish(p, HealthKind::ok);
      return true;
    }
    return false;
  }
  std::size_t length = std::string::npos;
  std::string head = r.substr(0, head_end);
  for (char& c : head) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  if (auto at = head.find("\r\ncontent-length:"); at != std::string::npos) {
    length = std::strtoul(head.c_str() + at + 17, nullptr, 10);
  }
  const std::size_t body_at = head_end + 4;
  if (length != std::string::npos && r.size() >= body_at + length) {
    p.result.body = r.substr(body_at, length);
  } else if (eof) {
    p.result.body = r.substr(body_at);
  } else {
    return false;
  }
  finish(p, HealthKind::ok);
  return true;
}

// Parses "HTTP/1.1 200 OK" once the status line is complete, then (for a 200) reads the body;
// true when done.
bool parse_status(Probe& p, bool eof = false) {
  if (p.ok_seen) {
    return read_body(p, eof);
  }
  auto eol = p.response.find("\r\n");
  if (eol == std::string::npos) {
    return false;
  }
  const std::string& r = p.response;
  if (r.compare(0, 5, "HTTP/") != 0) {
    finish(p, HealthKind::error, "not an HTTP response");
    return true;
  }
  auto sp = r.find(' ');
  int status = 0;
  if (sp != std::string::npos && sp + 4 <= eol) {
    status = std::atoi(r.substr(sp + 1, 3).c_str());
  }
  p.result.http_status = status;
  if (status != 200) {
    finish(p, HealthKind::http);
    return true;
  }
  p.ok_seen = true;
  p.result.latency =
      std::chrono::duration_cast<std::chrono::microseconds>(steady_clock::now() - p.started);
  return read_body(p, eof);
}

void step(Probe& p, short revents) {
  if (p.phase == Phase::connecting) {
    int err = 0;
    socklen_t len = sizeof(err);
    ::getsockopt(p.fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err == ECONNREFUSED) {
      finish(p, HealthKind::refused);
      return;
    }
    if (err != 0) {
      finish(p, HealthKind::error, std::strerror(err));
      return;
    }
    p.phase = Phase::sending;
  }
  if (p.phase == Phase::sending) {
    ssize_t n = ::send(p.fd, p.request.data() + p.sent, p.request.size() - p.sent, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno != EAGAIN && errno != EINTR) {
        finish(p, errno == ECONNREFUSED ? HealthKind::refused : HealthKind::error,
               std::strerror(errno));
      }
      return;
    }
    p.sent += static_cast<std::size_t>(n);
    if (p.sent == p.request.size()) {
      p.phase = Phase::reading;
    }
    return;
  }
  if (p.phase == Phase::reading && (revents & (POLLIN | POLLHUP | POLLERR))) {
    char buf[1024];
    ssize_t n = ::recv(p.fd, buf, sizeof(buf), 0);
    if (n > 0) {
      p.response.append(buf, static_cast<std::size_t>(n));
      parse_status(p);
    } else if (n == 0) {
      if (!parse_status(p, true)) {
        finish(p, HealthKind::error, "connection closed");
      }
    } else if (errno != EAGAIN && errno != EINTR) {
      finish(p, errno == ECONNREFUSED ? HealthKind::refused : HealthKind::error,
             std::strerror(errno));
    }
  }
}

}  // namespace

std::vector<HealthResult> HttpHealthProber::probe(const std::vector<ProbeTarget>& targets,
                                                  std::chrono::milliseconds timeout) {
  std::vector<Probe> probes(targets.size());
  for (std::size_t i = 0; i < targets.size(); ++i) {
    start(probes[i], targets[i]);
  }
  auto deadline = steady_clock::now() + timeout;
  std::vector<pollfd> fds;
  std::vector<std::size_t> index;
  while (true) {
    fds.clear();
    index.clear();
    for (std::size_t i = 0; i < probes.size(); ++i) {
      const Probe& p = probes[i];
      if (p.phase == Phase::done) {
        continue;
      }
      short events = p.phase == Phase::reading ? POLLIN : POLLOUT;
      fds.push_back({p.fd, events, 0});
      index.push_back(i);
    }
    if (fds.empty()) {
      break;
    }
    auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - steady_clock::now());
    if (left.count() <= 0) {
      for (std::size_t i : index) {
        // A 200 whose body did not all arrive in time is still a 200.
        finish(probes[i], probes[i].ok_seen ? HealthKind::ok : HealthKind::timeout);
      }
      break;
    }
    int n = ::poll(fds.data(), fds.size(), static_cast<int>(left.count()) + 1);
    if (n < 0 && errno != EINTR) {
      for (std::size_t i : index) {
        finish(probes[i], HealthKind::error, std::strerror(errno));
      }
      break;
    }
    for (std::size_t k = 0; k < fds.size(); ++k) {
      if (fds[k].revents != 0) {
        step(probes[index[k]], fds[k].revents);
      }
    }
  }
  std::vector<HealthResult> out;
  out.reserve(probes.size());
  for (auto& p : probes) {
    out.push_back(p.result);
  }
  return out;
}

}  // namespace ccproxy::supervisor
