#include "supervisor/os/own_command.h"

#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>

namespace ccproxy::supervisor {
namespace {

namespace fs = std::filesystem;

ProcessIdentity running(std::string exe, std::vector<std::string> cmdline) {
  ProcessIdentity id;
  id.start_time = 42;
  id.boot_id = "boot";
  id.exe = std::move(exe);
  id.cmdline = std::move(cmdline);
  return id;
}

class OwnCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("own_command_test_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "home");
    fs::create_directory_symlink(dir_ / "home", dir_ / "link");
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(OwnCommandTest, WorkerIsOurExecutableRunningItsProfileForThisHome) {
  const fs::path home = dir_ / "home";
  const auto cmd = worker_command("/opt/ccproxy", home, "glm");
  EXPECT_EQ(cmd, (std::vector<std::string>{"/opt/ccproxy", "--home", home.string(), "run",
                                           "--profile", "glm"}));
  EXPECT_TRUE(runs_command(running("/opt/ccproxy", cmd), cmd));
  // The same home spelled through a symlink is still this home.
  EXPECT_TRUE(runs_command(
      running("/opt/ccproxy", worker_command("/opt/ccproxy", dir_ / "link", "glm")), cmd));
}

TEST_F(OwnCommandTest, AnythingElseIsNotOurs) {
  const fs::path home = dir_ / "home";
  const auto cmd = worker_command("/opt/ccproxy", home, "glm");
  // Another program that copies our command line (exec -a, or a forged argv).
  EXPECT_FALSE(runs_command(running("/usr/bin/python3", cmd), cmd));
  // The executable cannot be read (another user's process).
  EXPECT_FALSE(runs_command(running("", cmd), cmd));
  // Another profile, another home, another command, extra words.
  EXPECT_FALSE(
      runs_command(running("/opt/ccproxy", worker_command("/opt/ccproxy", home, "kimi")), cmd));
  EXPECT_FALSE(
      runs_command(running("/opt/ccproxy", worker_command("/opt/ccproxy", dir_, "glm")), cmd));
  auto extra = cmd;
  extra.push_back("--verbose");
  EXPECT_FALSE(runs_command(running("/opt/ccproxy", extra), cmd));
  EXPECT_FALSE(runs_command(running("/bin/sleep", {"sleep", "60", home.string()}), cmd));
  EXPECT_FALSE(runs_command(running("/opt/ccproxy", cmd), {}));
}

TEST_F(OwnCommandTest, SupervisorOfThisHome) {
  const fs::path home = dir_ / "home";
  const std::string exe = "/opt/ccproxy";
  EXPECT_TRUE(
      runs_supervisor(running(exe, {exe, "--home", home.string(), "supervise"}), exe, home));
  EXPECT_TRUE(runs_supervisor(
      running(exe, {"ccproxy", "--home=" + (dir_ / "link").string(), "start", "--foreground"}), exe,
      home));
  // Home from the environment or the working directory: the command line cannot tell.
  EXPECT_TRUE(runs_supervisor(running(exe, {"ccproxy", "start", "--foreground"}), exe, home));

  EXPECT_FALSE(
      runs_supervisor(running(exe, {exe, "--home", dir_.string(), "supervise"}), exe, home));
  EXPECT_FALSE(runs_supervisor(
      running(exe, {exe, "--home", home.string(), "run", "--profile", "glm"}), exe, home));
  EXPECT_FALSE(runs_supervisor(running(exe, {exe, "--home", home.string()}), exe, home));
  EXPECT_FALSE(runs_supervisor(running("/bin/sleep", {exe, "--home", home.string(), "supervise"}),
                               exe, home));
}

TEST_F(OwnCommandTest, RecordNamesWhichCommandIsOurs) {
  const fs::path home = dir_ / "home";
  const fs::path exe = self_executable();
  ASSERT_FALSE(exe.empty());
  auto worker = running(exe.string(), worker_command(exe, home, "glm"));
  EXPECT_TRUE(runs_as_ours(worker, "glm", home));
  EXPECT_FALSE(runs_as_ours(worker, "kimi", home));
  EXPECT_FALSE(runs_as_ours(worker, "glm", dir_));
  EXPECT_FALSE(runs_as_ours(worker, "supervisor", home));
  auto supervisor = running(exe.string(), {exe.string(), "--home", home.string(), "supervise"});
  EXPECT_TRUE(runs_as_ours(supervisor, "supervisor", home));
  EXPECT_FALSE(runs_as_ours(supervisor, "glm", home));
}

}  // namespace
}  // namespace ccproxy::supervisor
