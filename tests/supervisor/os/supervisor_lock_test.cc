#include "supervisor/os/supervisor_lock.h"

#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>

#include "supervisor/os/abstract_socket.h"

namespace ccproxy::supervisor {
namespace {

namespace fs = std::filesystem;

class SupervisorLockTest : public ::testing::Test {
 protected:
  void SetUp() override {
    home_ = fs::temp_directory_path() / ("supervisor_lock_test_" + std::to_string(::getpid()));
    fs::remove_all(home_);
    fs::create_directories(home_ / "pids");
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove(home_.string() + "_link", ec);
    fs::remove_all(home_);
  }
  fs::path lock() const { return home_ / "pids" / "supervisor.lock"; }
  fs::path home_;
};

TEST_F(SupervisorLockTest, HeldEvenWhenItsDirectoryIsRemoved) {
  auto first = SupervisorLock::try_acquire(lock());
  ASSERT_TRUE(first);
  ASSERT_TRUE(first.value().has_value());

  fs::remove_all(home_ / "pids");
  EXPECT_TRUE(SupervisorLock::is_held(lock())) << "the lock went with its file";
  fs::create_directories(home_ / "pids");
  auto second = SupervisorLock::try_acquire(lock());
  ASSERT_TRUE(second);
  EXPECT_FALSE(second.value().has_value()) << "a second supervisor for the same home";

  first.value().reset();
  EXPECT_FALSE(SupervisorLock::is_held(lock()));
  auto third = SupervisorLock::try_acquire(lock());
  ASSERT_TRUE(third);
  EXPECT_TRUE(third.value().has_value());
}

TEST_F(SupervisorLockTest, OneNamePerPathWhateverItsSpelling) {
  fs::create_directory_symlink(home_, home_.string() + "_link");
  const fs::path other = fs::path(home_.string() + "_link") / "pids" / "supervisor.lock";
  EXPECT_EQ(abstract_name(lock(), "supervisor"), abstract_name(other, "supervisor"));
  EXPECT_EQ(abstract_name(lock(), "supervisor"),
            abstract_name(home_ / "pids" / "." / "supervisor.lock", "supervisor"));
  EXPECT_NE(abstract_name(lock(), "supervisor"), abstract_name(lock(), "control"));
  EXPECT_NE(abstract_name(lock(), "supervisor"),
            abstract_name(home_ / "elsewhere" / "supervisor.lock", "supervisor"));
  {
    auto held = SupervisorLock::try_acquire(other);
    ASSERT_TRUE(held && held.value());
    EXPECT_TRUE(SupervisorLock::is_held(lock()));
  }
  fs::remove(home_.string() + "_link");
}

}  // namespace
}  // namespace ccproxy::supervisor
