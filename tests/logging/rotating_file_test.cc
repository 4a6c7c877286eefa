// RotatingFile: when it rotates (size, local midnight with an injected clock), how archives are
// named, and what it does when someone else moved or deleted the file.

#include "logging/rotating_file.h"

#include <gtest/gtest.h>

#include <atomic>

#include "tests/logging/test_dir.h"

namespace ccproxy::logging {
namespace {

using namespace std::chrono_literals;
using testing::TempDir;

struct FakeClock {
  std::chrono::system_clock::time_point now;
  Clock fn() {
    return [this] { return now; };
  }
};

LogFileOptions options(const std::filesystem::path& dir, FakeClock* clock) {
  LogFileOptions o;
  o.dir = dir;
  o.name = "glm";
  o.policy.max_bytes = 0;
  o.policy.daily = true;
  o.clock = clock->fn();
  return o;
}

std::unique_ptr<RotatingFile> open_or_die(const LogFileOptions& o,
                                          std::vector<std::filesystem::path>* archived = nullptr) {
  auto r = RotatingFile::open(o, [archived](const std::filesystem::path& p) {
    if (archived != nullptr) {
      archived->push_back(p);
    }
  });
  if (!r) {
    ADD_FAILURE() << r.error();
    return nullptr;
  }
  return std::move(r).value();
}

TEST(RotatingFile, RotatesAtLocalMidnightOnlyOnce) {
  TempDir tmp;
  FakeClock clock{testing::local_time(2026, 11, 21, 23, 59, 58)};
  std::vector<std::filesystem::path> archived;
  auto f = open_or_die(options(tmp.path(), &clock), &archived);
  f->write_line("before midnight\n");
  clock.now += 1s;  // 23:59:59
  f->write_line("still before\n");
  EXPECT_EQ(f->rotations(), 0u);
  clock.now = testing::local_time(2026, 11, 22, 0, 0, 3);
  f->write_line("after midnight\n");
  EXPECT_EQ(f->rotations(), 1u);
  clock.now += 2h;
  f->write_line("later that day\n");
  EXPECT_EQ(f->rotations(), 1u);

  ASSERT_EQ(archived.size(), 1u);
  EXPECT_EQ(archived[0].filename(), "glm.log.20261122-000003");
  EXPECT_EQ(testing::read_file(archived[0]), "before midnight\nstill before\n");
  EXPECT_EQ(testing::read_file(tmp.path() / "glm.log"), "after midnight\nlater that day\n");
  EXPECT_EQ(testing::mode_of(archived[0]), 0600u);
}

TEST(RotatingFile, QuietDaysMakeNoEmptyArchives) {
  TempDir tmp;
  FakeClock clock{testing::local_time(2026, 11, 21, 12, 0, 0)};
  auto o = options(tmp.path(), &clock);
  auto f = open_or_die(o);
  clock.now = testing::local_time(2026, 11, 23, 9, 0, 0);  // two midnights later, nothing written
  f->write_line("first line in days\n");
  EXPECT_EQ(f->rotations(), 0u);
  EXPECT_EQ(testing::list_dir(tmp.path()), std::vector<std::string>{"glm.log"});
  clock.now = testing::local_time(2026, 11, 24, 0, 0, 0);  // exactly midnight counts
  f->write_line("next day\n");
  EXPECT_EQ(f->rotations(), 1u);
  EXPECT_TRUE(std::filesystem::exists(tmp.path() / "glm.log.20261124-000000"));
}

TEST(RotatingFile, ALogLastWrittenYesterdayIsRotatedBeforeTodaysFirstLine) {
  TempDir tmp;
  testing::write_file(tmp.path() / "glm.log", "yesterday\n");
  testing::set_mtime(tmp.path() / "glm.log", testing::local_time(2026, 11, 20, 23, 30, 0));
  FakeClock clock{testing::local_time(2026, 11, 21, 8, 0, 0)};  // restarted the next morning
  auto f = open_or_die(options(tmp.path(), &clock));
  f->write_line("today\n");
  EXPECT_EQ(f->rotations(), 1u);
  EXPECT_EQ(testing::read_file(tmp.path() / "glm.log.20261121-080000"), "yesterday\n");
  EXPECT_EQ(testing::read_file(tmp.path() / "glm.log"), "today\n");

  // Written earlier today: no rotation on restart.
  TempDir tmp2;
  testing::write_file(tmp2.path() / "glm.log", "this morning\n");
  testing::set_mtime(tmp2.path() / "glm.log", testing::local_time(2026, 11, 21, 7, 0, 0));
  auto g = open_or_die(options(tmp2.path(), &clock));
  g->write_line("still today\n");
  EXPECT_EQ(g->rotations(), 0u);
}

TEST(RotatingFile, DailyOffDoesNotRotateAtMidnight) {
  TempDir tmp;
  FakeClock clock{testing::local_time(2026, 11, 21, 23, 0, 0)};
  auto o = options(tmp.path(), &clock);
  o.policy.daily = false;
  auto f = open_or_die(o);
  f->write_line("a\n");
  clock.now += 3h;
  f->write_line("b\n");
  EXPECT_EQ(f->rotations(), 0u);
}

TEST(RotatingFile, SizeCapIsNeverPassedAndLinesStayWhole) {
  TempDir tmp;
  FakeClock clock{testing::local_time(2026, 11, 21, 10, 0, 0)};
  auto o = options(tmp.path(), &clock);
  o.policy.max_bytes = 100;
  o.policy.daily = false;
  std::vector<std::filesystem::path> archived;
  auto f = open_or_die(o, &archived);
  const std::string line(29, 'x');  // 30 bytes with its newline: 3 fit in 100
  for (int i = 0; i < 10; ++i) {
    f->write_line(line + "\n");
    clock.now += 1s;
  }
  // 10 lines -> files of 3, 3, 3 and the current one with 1.
  ASSERT_EQ(archived.size(), 3u);
  for (const auto& a : archived) {
    EXPECT_EQ(std::filesystem::file_size(a), 90u) << a;
  }
  EXPECT_EQ(std::filesystem::file_size(tmp.path() / "glm.log"), 30u);
  EXPECT_EQ(archived[0].filename(), "glm.log.20261121-100003");

  // A line bigger than the cap goes alone into a file of its own.
  f->write_line(std::string(150, 'y') + "\n");
  EXPECT_EQ(f->rotations(), 4u);
  EXPECT_EQ(std::filesystem::file_size(tmp.path() / "glm.log"), 151u);
  f->write_line("z\n");
  EXPECT_EQ(f->rotations(), 5u);
  EXPECT_EQ(testing::read_file(tmp.path() / "glm.log"), "z\n");
}

TEST(RotatingFile, ExistingArchiveNamesGetASuffixAndAreNeverOverwritten) {
  TempDir tmp;
  FakeClock clock{testing::local_time(2026, 11, 21, 10, 0, 0)};
  auto o = options(tmp.path(), &clock);
  o.policy.max_bytes = 10;
  o.policy.daily = false;
  testing::write_file(tmp.path() / "glm.log.20261121-100000", "precious\n");
  testing::write_file(tmp.path() / "glm.log.20261121-100000-1.gz", "also precious\n");
  std::vector<std::filesystem::path> archived;
  auto f = open_or_die(o, &archived);
  for (int i = 0; i < 4; ++i) {
    f->write_line("line " + std::to_string(i) + "\n");  // 7 bytes: one per file
  }
  ASSERT_EQ(archived.size(), 3u);
  EXPECT_EQ(archived[0].filename(), "glm.log.20261121-100000-2");
  EXPECT_EQ(archived[1].filename(), "glm.log.20261121-100000-3");
  EXPECT_EQ(archived[2].filename(), "glm.log.20261121-100000-4");
  EXPECT_EQ(testing::read_file(tmp.path() / "glm.log.20261121-100000"), "precious\n");
  EXPECT_EQ(testing::read_file(tmp.path() / "glm.log.20261121-100000-1.gz"), "also precious\n");
  EXPECT_EQ(testing::read_file(archived[0]), "line 0\n");
}

TEST(RotatingFile, AppendsToAnExistingLogAndCountsItsSize) {
  TempDir tmp;
  FakeClock clock{testing::local_time(2026, 11, 21, 10, 0, 0)};
  auto o = options(tmp.path(), &clock);
  o.policy.max_bytes = 20;
  o.policy.daily = false;
  testing::write_file(tmp.path() / "glm.log", "0123456789abcdef\n");  // 17 bytes
  auto f = open_or_die(o);
  f->write_line("next\n");  // 17 + 5 > 20: rotate first
  EXPECT_EQ(f->rotations(), 1u);
  EXPECT_EQ(testing::read_file(tmp.path() / "glm.log"), "next\n");
}

// Two writers of the same name (e.g. a second process): when one rotated, the other must not
// rename the fresh file; it reopens by name instead.
TEST(RotatingFile, DoesNotRotateAFileSomeoneElseAlreadyRotated) {
  TempDir tmp;
  FakeClock clock{testing::local_time(2026, 11, 21, 10, 0, 0)};
  auto o = options(tmp.path(), &clock);
  auto a = open_or_die(o);
  auto b = open_or_die(o);
  a->write_line("a1\n");
  b->write_line("b1\n");
  a->rotate();
  a->write_line("a2\n");
  b->rotate();
  b->write_line("b2\n");
  auto names = testing::list_dir(tmp.path());
  EXPECT_EQ(names, (std::vector<std::string>{"glm.log", "glm.log.20261121-100000"}));
  EXPECT_EQ(testing::read_file(tmp.path() / "glm.log.20261121-100000"), "a1\nb1\n");
  EXPECT_EQ(testing::read_file(tmp.path() / "glm.log"), "a2\nb2\n");
}

TEST(RotatingFile, ADeletedLogIsRecreated) {
  TempDir tmp;
  FakeClock clock{testing::local_time(2026, 11, 21, 10, 0, 0)};
  auto f = open_or_die(options(tmp.path(), &clock));
  f->write_line("gone\n");
  std::filesystem::remove(tmp.path() / "glm.log");
  f->write_line("back\n");
  EXPECT_EQ(testing::read_file(tmp.path() / "glm.log"), "back\n");
}

TEST(RotatingFile, FailedRotationKeepsLoggingAndSaysWhy) {
  TempDir tmp;
  FakeClock clock{testing::local_time(2026, 11, 21, 10, 0, 0)};
  auto o = options(tmp.path(), &clock);
  o.policy.max_bytes = 10;
  // Every archive name of this second is taken (works as root, unlike a read-only directory).
  testing::write_file(tmp.path() / "glm.log.20261121-100000", "");
  for (int i = 1; i <= 9999; ++i) {
    testing::write_file(tmp.path() / ("glm.log.20261121-100000-" + std::to_string(i) + ".gz"), "");
  }
  auto f = open_or_die(o);
  f->write_line("line one\n");
  f->write_line("line two\n");
  f->write_line("line three\n");
  EXPECT_EQ(f->rotations(), 0u);
  auto notices = f->take_notices();
  ASSERT_EQ(notices.size(), 1u) << "one failure, then a pause before retrying";
  EXPECT_NE(notices[0].find("cannot rotate"), std::string::npos) << notices[0];
  EXPECT_EQ(testing::read_file(tmp.path() / "glm.log"), "line one\nline two\nline three\n");
  clock.now += 30s;
  f->write_line("line four\n");
  EXPECT_EQ(f->rotations(), 0u);
  clock.now += 31s;  // past the retry pause; a new second has free names
  f->write_line("line five\n");
  EXPECT_EQ(f->rotations(), 1u);
  EXPECT_EQ(testing::read_file(tmp.path() / "glm.log.20261121-100101"),
            "line one\nline two\nline three\nline four\n");
  EXPECT_EQ(testing::read_file(tmp.path() / "glm.log"), "line five\n");
}

// A log file planted as a symbolic link is refused: nothing is written to, or chmodded at,
// the place it points to.
TEST(RotatingFile, ALogFileThatIsASymlinkIsRefusedAndItsTargetLeftAlone) {
  TempDir tmp;
  FakeClock clock{testing::local_time(2026, 11, 21, 10, 0, 0)};
  const auto victim = tmp.path() / "victim.txt";
  testing::write_file(victim, "precious\n");
  ::chmod(victim.c_str(), 0644);
  std::filesystem::create_symlink(victim, tmp.path() / "glm.log");
  auto r = RotatingFile::open(options(tmp.path(), &clock), nullptr);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), "cannot open " + (tmp.path() / "glm.log").string() +
                           ": it is a symbolic link; a log file must be a regular file (remove "
                           "the link)");
  EXPECT_EQ(testing::read_file(victim), "precious\n");
  struct stat st {};
  ASSERT_EQ(::stat(victim.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);
}

// A link planted after start-up is not followed at the next rotation either.
TEST(RotatingFile, ALinkPlantedAtTheLogsNameIsNotFollowedOnRotation) {
  TempDir tmp;
  FakeClock clock{testing::local_time(2026, 11, 21, 10, 0, 0)};
  const auto victim = tmp.path() / "victim.txt";
  testing::write_file(victim, "precious\n");
  auto f = open_or_die(options(tmp.path(), &clock));
  f->write_line("one\n");
  std::filesystem::remove(tmp.path() / "glm.log");
  std::filesystem::create_symlink(victim, tmp.path() / "glm.log");
  f->rotate();
  f->write_line("two\n");
  EXPECT_EQ(testing::read_file(victim), "precious\n");
  bool said = false;
  for (const auto& n : f->take_notices()) {
    said = said || n.find("is a symbolic link") != std::string::npos;
  }
  EXPECT_TRUE(said);
}

// A log directory that is a link is used, but its target's mode is not changed through it.
TEST(RotatingFile, TheModeOfALinkedLogDirectoryIsLeftAlone) {
  TempDir tmp;
  FakeClock clock{testing::local_time(2026, 11, 21, 10, 0, 0)};
  const auto real = tmp.path() / "elsewhere";
  std::filesystem::create_directory(real);
  ::chmod(real.c_str(), 0755);
  std::filesystem::create_symlink(real, tmp.path() / "logs");
  auto f = open_or_die(options(tmp.path() / "logs", &clock));
  ASSERT_NE(f, nullptr);
  f->write_line("kept\n");
  EXPECT_EQ(testing::read_file(real / "glm.log"), "kept\n");
  struct stat st {};
  ASSERT_EQ(::stat(real.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0755u);
  auto notices = f->take_notices();
  ASSERT_EQ(notices.size(), 1u);
  EXPECT_NE(notices[0].find("is a symbolic link to a directory of mode 0755; its mode is left as "
                            "it is"),
            std::string::npos)
      << notices[0];
}

}  // namespace
}  // namespace ccproxy::logging
