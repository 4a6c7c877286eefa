#include "supervisor/health_probe.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>

namespace ccproxy::supervisor {
namespace {

// A loopback listener on port 0 that answers each connection with a fixed response, or never
// answers (a hung worker: the kernel completes the handshake but nobody reads).
class TinyServer {
 public:
  explicit TinyServer(std::string response, bool answer = true)
      : response_(std::move(response)), answer_(answer) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a));
    ::listen(fd_, 16);
    socklen_t len = sizeof(a);
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    if (answer_) {
      thread_ = std::thread([this] {
        while (!stop_) {
          int c = ::accept(fd_, nullptr, nullptr);
          if (c < 0) {
            return;
          }
          char buf[1024];
          ssize_t n = ::recv(c, buf, sizeof(buf), 0);
          if (n > 0) {
            std::lock_guard lock(mutex_);
            last_request_.assign(buf, static_cast<std::size_t>(n));
          }
          (void)!::send(c, response_.data(), response_.size(), MSG_NOSIGNAL);
          ::close(c);
        }
      });
    }
  }
  ~TinyServer() {
    stop_ = true;
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    if (thread_.joinable()) {
      thread_.join();
    }
  }
  std::uint16_t port() const { return port_; }
  std::string last_request() {
    std::lock_guard lock(mutex_);
    return last_request_;
  }

 private:
  std::mutex mutex_;
  std::string last_request_;
  std::string response_;
  bool answer_;
  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

std::uint16_t unused_port() {
  int s = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof(a));
  socklen_t len = sizeof(a);
  ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(s);  // bound, never listened: connecting is refused
  return ntohs(a.sin_port);
}

TEST(HealthProbe, ClassifiesOkHttpErrorRefusedAndTimeoutConcurrently) {
  TinyServer ok("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}");
  TinyServer err("HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n");
  TinyServer hung("", false);
  std::uint16_t refused = unused_port();
  HttpHealthProber prober;
  auto started = std::chrono::steady_clock::now();
  auto r = prober.probe({{"127.0.0.1", ok.port()},
                         {"127.0.0.1", err.port()},
                         {"127.0.0.1", refused},
                         {"127.0.0.1", hung.port()},
                         {"0.0.0.0", ok.port()}},
                        std::chrono::milliseconds(300));
  auto took = std::chrono::steady_clock::now() - started;
  ASSERT_EQ(r.size(), 5u);
  EXPECT_EQ(r[0].kind, HealthKind::ok);
  EXPECT_TRUE(r[0].healthy());
  EXPECT_EQ(r[0].str().rfind("ok ", 0), 0u) << r[0].str();
  EXPECT_EQ(r[1].kind, HealthKind::http);
  EXPECT_EQ(r[1].http_status, 500);
  EXPECT_EQ(r[1].str(), "http 500");
  EXPECT_EQ(r[2].kind, HealthKind::refused);
  EXPECT_EQ(r[2].str(), "refused");
  EXPECT_EQ(r[3].kind, HealthKind::timeout);
  EXPECT_EQ(r[3].str(), "timeout");
  EXPECT_EQ(r[4].kind, HealthKind::ok) << "0.0.0.0 is probed on loopback";
  // One shared deadline: the hung one costs the timeout once (generous bound for slow CI).
  EXPECT_LT(took, std::chrono::milliseconds(1500));
}

TEST(HealthProbe, GarbageIsAnError) {
  TinyServer junk("SSH-2.0-OpenSSH\r\n");
  HttpHealthProber prober;
  auto r = prober.probe({{"127.0.0.1", junk.port()}}, std::chrono::milliseconds(500));
  EXPECT_EQ(r[0].kind, HealthKind::error);
}

TEST(HealthProbe, AnotherPathWithItsBody) {
  TinyServer sized("HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhello");
  TinyServer until_close("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nline 1\nline 2\n");
  TinyServer plain("HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhello");
  HttpHealthProber prober;
  auto r = prober.probe({{"127.0.0.1", sized.port(), "/metrics", true},
                         {"127.0.0.1", until_close.port(), "/metrics", true},
                         {"127.0.0.1", plain.port()}},
                        std::chrono::milliseconds(1000));
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[0].kind, HealthKind::ok);
  EXPECT_EQ(r[0].body, "hello");
  EXPECT_EQ(r[1].kind, HealthKind::ok);
  EXPECT_EQ(r[1].body, "line 1\nline 2\n");
  EXPECT_EQ(r[2].kind, HealthKind::ok);
  EXPECT_EQ(r[2].body, "") << "the status line is enough for a health probe";
  EXPECT_EQ(until_close.last_request().rfind("GET /metrics HTTP/1.1\r\n", 0), 0u);
  EXPECT_EQ(plain.last_request().rfind("GET /health HTTP/1.1\r\n", 0), 0u);
}

}  // namespace
}  // namespace ccproxy::supervisor
