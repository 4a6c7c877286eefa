#include "supervisor/control/control_channel.h"

#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <poll.h>
#include <atomic>
#include <filesystem>
#include <thread>
#include <vector>

#include "supervisor/os/supervisor_lock.h"

namespace ccproxy::supervisor {
namespace {

namespace fs = std::filesystem;

TEST(ControlChannel, RequestAndAnswerOverAPrivateSocket) {
  fs::path dir = fs::temp_directory_path() / ("ctl_test_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  fs::path sock = dir / "ccproxy.sock";
  {
    ControlServer server;
    ASSERT_TRUE(server.listen(sock));
    struct stat st {};
    ASSERT_EQ(::stat(sock.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    std::atomic<bool> stop{false};
    std::thread t([&] {
      while (!stop) {
        pollfd p{server.fd(), POLLIN, 0};
        if (::poll(&p, 1, 20) > 0) {
          server.serve_pending([](const nlohmann::json& req) {
            return nlohmann::json{{"ok", true}, {"echo", req.value("op", "")}};
          });
        }
      }
    });
    auto r = control_request(sock, {{"op", "status"}}, std::chrono::seconds(2));
    ASSERT_TRUE(r) << r.error();
    EXPECT_EQ((*r)["echo"], "status");
    stop = true;
    t.join();
  }
  // Server gone: the socket file is removed and a request fails quickly.
  EXPECT_FALSE(fs::exists(sock));
  auto r = control_request(sock, {{"op", "status"}}, std::chrono::seconds(2));
  EXPECT_FALSE(r);
  fs::remove_all(dir);
}

// Serves `server` on a thread until the object is destroyed.
class ServingThread {
 public:
  explicit ServingThread(ControlServer& server)
      : thread_([this, &server] {
          while (!stop_) {
            std::vector<pollfd> fds;
            for (int fd : server.fds()) {
              fds.push_back({fd, POLLIN, 0});
            }
            if (::poll(fds.data(), fds.size(), 20) > 0) {
              server.serve_pending([](const nlohmann::json& req) {
                return nlohmann::json{{"ok", true}, {"echo", req.value("op", "")}};
              });
            }
          }
        }) {}
  ~ServingThread() {
    stop_ = true;
    thread_.join();
  }

 private:
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

TEST(ControlChannel, AnswersOnItsAbstractNameWhenTheSocketFileIsGone) {
  fs::path dir = fs::temp_directory_path() / ("ctl_abs_test_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  fs::path sock = dir / "ccproxy.sock";
  const std::string name = "ccproxy-control-test-" + std::to_string(::getpid());
  {
    ControlServer server;
    ASSERT_TRUE(server.listen(sock));
    ASSERT_TRUE(server.listen_abstract(name));
    EXPECT_EQ(server.fds().size(), 2u);
    ControlServer second;
    EXPECT_FALSE(second.listen_abstract(name)) << "an abstract name has one holder";
    ServingThread serving(server);
    // The socket file first, while it is there.
    auto r = control_request(sock, name, {{"op", "status"}}, std::chrono::seconds(2));
    ASSERT_TRUE(r) << r.error();
    EXPECT_EQ((*r)["echo"], "status");
    // pids/ removed: the file is gone, the abstract name still answers.
    fs::remove_all(dir);
    EXPECT_FALSE(control_request(sock, {{"op", "status"}}, std::chrono::seconds(2)));
    r = control_request(sock, name, {{"op", "stop"}}, std::chrono::seconds(2));
    ASSERT_TRUE(r) << r.error();
    EXPECT_EQ((*r)["echo"], "stop");
  }
  // Server gone: the name is free again and a request fails quickly.
  auto r = control_request(sock, name, {{"op", "status"}}, std::chrono::seconds(2));
  EXPECT_FALSE(r);
  ControlServer again;
  EXPECT_TRUE(again.listen_abstract(name));
}

TEST(SupervisorLock, OnlyOneHolder) {
  fs::path dir = fs::temp_directory_path() / ("lock_test_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  fs::path lock = dir / "supervisor.lock";
  EXPECT_FALSE(SupervisorLock::is_held(lock));
  {
    auto first = SupervisorLock::try_acquire(lock);
    ASSERT_TRUE(first);
    ASSERT_TRUE(first.value().has_value());
    EXPECT_TRUE(SupervisorLock::is_held(lock));
    auto second = SupervisorLock::try_acquire(lock);
    ASSERT_TRUE(second);
    EXPECT_FALSE(second.value().has_value());
  }
  EXPECT_FALSE(SupervisorLock::is_held(lock));
  fs::remove_all(dir);
}

}  // namespace
}  // namespace ccproxy::supervisor
