#include "supervisor/os/pid_file.h"

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "supervisor/os/own_command.h"
#include "supervisor/os/process_table.h"
#include "tests/supervisor/fakes.h"

namespace ccproxy::supervisor {
namespace {

namespace fs = std::filesystem;

class PidFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("pid_file_test_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(PidFileTest, RoundTripIsAtomicAndPrivate) {
  PidRecord r;
  r.pid = ::getpid();
  r.profile = "glm";
  r.port = 8082;
  r.identity = *read_identity(::getpid());
  auto path = pid_file_path(dir_, "glm");
  ASSERT_TRUE(write_pid_file(path, r));
  // Overwrite: the rename replaces the file; no temp file is left behind.
  r.port = 8083;
  ASSERT_TRUE(write_pid_file(path, r));
  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator(dir_)) {
    files.push_back(e.path().filename().string());
  }
  EXPECT_EQ(files, std::vector<std::string>{"glm.json"});
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  auto back = read_pid_file(path);
  ASSERT_TRUE(back);
  ASSERT_TRUE(back.value().has_value());
  EXPECT_EQ(back.value()->pid, r.pid);
  EXPECT_EQ(back.value()->profile, "glm");
  EXPECT_EQ(back.value()->port, 8083);
  EXPECT_EQ(back.value()->identity, r.identity);
  EXPECT_FALSE(back.value()->identity.boot_id.empty());
  EXPECT_GT(back.value()->identity.start_time, 0u);
}

TEST_F(PidFileTest, LinkPlantedAtTheTempNameIsNotFollowed) {
  const fs::path victim = dir_ / "victim.txt";
  { std::ofstream(victim) << "precious\n"; }
  fs::permissions(victim, fs::perms(0644));
  auto path = pid_file_path(dir_, "glm");
  fs::path tmp = path;
  tmp += ".tmp-" + std::to_string(::getpid());  // the temp name write_pid_file uses
  fs::create_symlink(victim, tmp);

  PidRecord r;
  r.pid = ::getpid();
  r.profile = "glm";
  r.identity = *read_identity(::getpid());
  ASSERT_TRUE(write_pid_file(path, r));

  std::ifstream in(victim);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text, "precious\n");
  EXPECT_EQ(fs::status(victim).permissions(), fs::perms(0644));
  EXPECT_FALSE(fs::is_symlink(fs::symlink_status(path)));
  auto back = read_pid_file(path);
  ASSERT_TRUE(back);
  ASSERT_TRUE(back.value().has_value());
  EXPECT_EQ(back.value()->pid, r.pid);
  EXPECT_FALSE(fs::exists(fs::symlink_status(tmp)));
}

TEST_F(PidFileTest, MissingIsEmptyAndGarbageIsAnError) {
  auto missing = read_pid_file(dir_ / "nope.json");
  ASSERT_TRUE(missing);
  EXPECT_FALSE(missing.value().has_value());
  std::ofstream(dir_ / "bad.json") << "{\"pid\": ";
  auto bad = read_pid_file(dir_ / "bad.json");
  EXPECT_FALSE(bad);
}

TEST_F(PidFileTest, IdentityMatchesOnlyTheSameProcess) {
  RealProcessTable procs;
  PidRecord r;
  r.pid = ::getpid();
  r.identity = *read_identity(::getpid());
  EXPECT_EQ(check_identity(r, procs), IdentityCheck::same);

  PidRecord reused = r;
  reused.identity.start_time -= 1;  // same pid, another process
  EXPECT_EQ(check_identity(reused, procs), IdentityCheck::reused);
  PidRecord other_cmd = r;
  other_cmd.identity.cmdline = {"/usr/bin/something-else"};
  EXPECT_EQ(check_identity(other_cmd, procs), IdentityCheck::reused);
  PidRecord other_boot = r;
  other_boot.identity.boot_id = "another-boot";
  EXPECT_EQ(check_identity(other_boot, procs), IdentityCheck::reused);
}

TEST_F(PidFileTest, ExitedProcessIsGone) {
  pid_t child = ::fork();
  if (child == 0) {
    ::_exit(0);
  }
  ASSERT_GT(child, 0);
  PidRecord r;
  r.pid = child;
  auto id = read_identity(child);
  int status = 0;
  ::waitpid(child, &status, 0);
  if (id) {
    r.identity = *id;
  }
  RealProcessTable procs;
  EXPECT_EQ(check_identity(r, procs), IdentityCheck::gone);
}

TEST_F(PidFileTest, ForgedFileNamingALiveProcessWithItsTrueIdentityIsNotOurs) {
  // pids/glm.json of a home, naming this test process with its true start time, boot id and
  // command line: everything a forger can read from /proc.
  fs::create_directories(dir_ / "pids");
  PidRecord r;
  r.pid = ::getpid();
  r.profile = "glm";
  r.identity = *read_identity(::getpid());
  EXPECT_EQ(r.identity.exe, self_executable().string());
  auto path = pid_file_path(dir_ / "pids", "glm");
  ASSERT_TRUE(write_pid_file(path, r));
  auto back = read_pid_file(path);
  ASSERT_TRUE(back && back.value());
  EXPECT_EQ(back.value()->file, path);
  RealProcessTable procs;
  EXPECT_EQ(check_identity(*back.value(), procs), IdentityCheck::not_ours);
  EXPECT_NE(describe_identity(IdentityCheck::not_ours, *back.value(), procs)
                .find("is not a ccproxy process of this home"),
            std::string::npos);
}

TEST_F(PidFileTest, FileOfAHomeMatchesOnlyOurWorkerOfThatProfileAndHome) {
  testing::FakeProcessTable procs;
  const fs::path exe = self_executable();
  fs::create_directories(dir_ / "pids");
  SpawnSpec spec;
  spec.argv = worker_command(exe, dir_, "glm");
  int worker = *procs.spawn(spec);
  spec.argv = {exe.string(), "--home", dir_.string(), "supervise"};
  int supervisor = *procs.spawn(spec);
  auto check_file = [&](const std::string& name, int pid) {
    PidRecord r;
    r.pid = pid;
    r.profile = name;
    r.identity = *procs.identity(pid);
    auto path = pid_file_path(dir_ / "pids", name);
    EXPECT_TRUE(write_pid_file(path, r));
    auto back = read_pid_file(path);
    return check_identity(*back.value(), procs);
  };
  EXPECT_EQ(check_file("glm", worker), IdentityCheck::same);
  EXPECT_EQ(check_file("supervisor", supervisor), IdentityCheck::same);
  // Whose record it is comes from the file's name: glm's worker named in kimi's file is not
  // kimi's worker, nor the supervisor.
  EXPECT_EQ(check_file("kimi", worker), IdentityCheck::not_ours);
  EXPECT_EQ(check_file("supervisor", worker), IdentityCheck::not_ours);
  EXPECT_EQ(check_file("glm", supervisor), IdentityCheck::not_ours);
  // The same command line run by another executable.
  procs.procs[worker].id.exe = "/usr/bin/python3";
  EXPECT_EQ(check_file("glm", worker), IdentityCheck::not_ours);

  // With the command given: exactly that one.
  PidRecord r;
  r.pid = supervisor;
  r.identity = *procs.identity(supervisor);
  EXPECT_EQ(check_identity(r, procs, procs.procs[supervisor].id.cmdline), IdentityCheck::same);
  EXPECT_EQ(check_identity(r, procs, worker_command(exe, dir_, "glm")), IdentityCheck::not_ours);
}

TEST(ProcInfo, ParsesStatWithAwkwardCommandNames) {
  // Field 2 may contain spaces and parentheses; field 22 is the start time.
  std::string stat =
      "4242 (we ird) name)) S 1 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 "
      "1000 200 18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0";
  auto f = parse_stat(stat);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->state, 'S');
  EXPECT_EQ(f->start_time, 987654u);
  EXPECT_FALSE(parse_stat("garbage"));
}

}  // namespace
}  // namespace ccproxy::supervisor
