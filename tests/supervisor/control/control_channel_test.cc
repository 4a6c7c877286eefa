#include "supervisor/control/control_channel.h"

#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <poll.h>
#include <atomic>
#include <filesystem>
#include <thread>

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
