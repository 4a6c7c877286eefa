// The rotating log file as callers use it: open_log_file + spdlog, under load and over time.

#include "logging/log_file.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <spdlog/logger.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <map>
#include <stdexcept>
#include <thread>

#include "logging/archive_name.h"
#include "logging/log_line.h"
#include "tests/logging/test_dir.h"

namespace ccproxy::logging {
namespace {

using testing::TempDir;

// open_log_file where the test expects it to work; an error fails the test (as an exception
// out of the test body, which also works in a forked child).
std::shared_ptr<spdlog::logger> open_ok(const LogFileOptions& options) {
  auto logger = open_log_file(options);
  if (!logger) {
    throw std::runtime_error("open_log_file: " + logger.error());
  }
  return std::move(logger).value();
}

struct Contents {
  std::string all;               // every file of the stem, archives first (in name order)
  std::size_t archives = 0;      // how many archives
  std::size_t gz = 0;            // of which compressed
  std::vector<std::string> bad;  // files not ending in '\n'
};

// Concatenates the archives of `stem` (oldest name first) and then the current file.
Contents collect(const std::filesystem::path& dir, const std::string& stem) {
  Contents out;
  for (const auto& name : testing::list_dir(dir)) {
    auto parsed = parse_archive_name(name);
    if (!parsed || parsed->stem != stem) {
      continue;
    }
    std::string data =
        parsed->gz ? testing::gunzip_file(dir / name) : testing::read_file(dir / name);
    if (!data.empty() && data.back() != '\n') {
      out.bad.push_back(name);
    }
    out.all += data;
    ++out.archives;
    out.gz += parsed->gz ? 1 : 0;
  }
  std::string current = testing::read_file(dir / (stem + ".log"));
  if (!current.empty() && current.back() != '\n') {
    out.bad.push_back(stem + ".log");
  }
  out.all += current;
  return out;
}

std::vector<std::string> split_lines(const std::string& s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < s.size()) {
    auto nl = s.find('\n', start);
    if (nl == std::string::npos) {
      out.push_back(s.substr(start));
      break;
    }
    out.push_back(s.substr(start, nl - start));
    start = nl + 1;
  }
  return out;
}

// Counts "<marker>t<T> n<N>" records; returns the lines that do not parse.
std::vector<std::string> count_records(const std::vector<std::string>& lines,
                                       const std::string& marker,
                                       std::map<std::pair<int, int>, int>* seen) {
  std::vector<std::string> malformed;
  for (const auto& line : lines) {
    auto pos = line.find(marker);
    int t = -1;
    int n = -1;
    if (pos == std::string::npos ||
        std::sscanf(line.c_str() + pos + marker.size(), "t%d n%d", &t, &n) != 2) {
      malformed.push_back(line);
      continue;
    }
    ++(*seen)[{t, n}];
  }
  return malformed;
}

void expect_each_once(const std::map<std::pair<int, int>, int>& seen, int threads, int per_thread) {
  EXPECT_EQ(seen.size(), static_cast<std::size_t>(threads * per_thread));
  int doubled = 0;
  for (const auto& [key, count] : seen) {
    doubled += count != 1 ? 1 : 0;
  }
  EXPECT_EQ(doubled, 0);
  for (int t = 0; t < threads; ++t) {
    for (int i = 0; i < per_thread; ++i) {
      if (seen.count({t, i}) == 0) {
        ADD_FAILURE() << "lost record t" << t << " n" << i;
        return;
      }
    }
  }
}

LogFileOptions options_for(const std::filesystem::path& dir, const std::string& name) {
  LogFileOptions o;
  o.dir = dir;
  o.name = name;
  o.policy.daily = false;
  o.policy.max_total_bytes = 0;  // keep every archive: the test counts them all
  o.policy.retention_days = 3650;
  return o;
}

void run_load(const std::shared_ptr<spdlog::logger>& logger, int threads, int per_thread) {
  std::vector<std::thread> writers;
  const std::string padding(40, 'x');
  for (int t = 0; t < threads; ++t) {
    writers.emplace_back([&, t] {
      for (int i = 0; i < per_thread; ++i) {
        logger->info("t{} n{} {}", t, i, padding);
      }
    });
  }
  for (auto& w : writers) {
    w.join();
  }
}

TEST(LogFile, RotationUnderLoadLosesAndDoublesNothing) {
  TempDir tmp;
  auto dir = tmp.path() / "logs";
  auto options = options_for(dir, "load");
  options.policy.max_bytes = 64 * 1024;
  constexpr int kThreads = 4;
  constexpr int kPerThread = 20000;
  {
    auto logger = open_ok(options);
    run_load(logger, kThreads, kPerThread);
    wait_for_archive_work(logger);
  }
  Contents c = collect(dir, "load");
  EXPECT_TRUE(c.bad.empty()) << "file ending mid-line: " << c.bad.front();
  EXPECT_GE(c.archives, 100u) << "expected many size-triggered rotations";
  std::map<std::pair<int, int>, int> seen;
  auto malformed = count_records(split_lines(c.all), " [load] ", &seen);
  EXPECT_TRUE(malformed.empty()) << malformed.size() << " malformed, first: " << malformed[0];
  expect_each_once(seen, kThreads, kPerThread);
  // No file passed the cap.
  for (const auto& name : testing::list_dir(dir)) {
    EXPECT_LE(std::filesystem::file_size(dir / name), options.policy.max_bytes) << name;
  }
}

TEST(LogFile, RotationUnderLoadWithCompression) {
  TempDir tmp;
  auto dir = tmp.path() / "logs";
  auto options = options_for(dir, "gz");
  options.policy.max_bytes = 32 * 1024;
  options.policy.compress = true;
  constexpr int kThreads = 3;
  constexpr int kPerThread = 5000;
  {
    auto logger = open_ok(options);
    run_load(logger, kThreads, kPerThread);
    wait_for_archive_work(logger);
  }
  Contents c = collect(dir, "gz");
  EXPECT_TRUE(c.bad.empty());
  EXPECT_GE(c.archives, 20u);
  EXPECT_EQ(c.gz, c.archives) << "every archive compressed";
  for (const auto& name : testing::list_dir(dir)) {
    EXPECT_EQ(name.find(".tmp"), std::string::npos) << name;
  }
  std::map<std::pair<int, int>, int> seen;
  auto malformed = count_records(split_lines(c.all), " [gz] ", &seen);
  EXPECT_TRUE(malformed.empty());
  expect_each_once(seen, kThreads, kPerThread);
}

TEST(LogFile, LinePatternHasLocalTimeLevelAndName) {
  TempDir tmp;
  auto options = options_for(tmp.path(), "glm");
  {
    auto logger = open_ok(options);
    logger->info("hello {}", 42);
    logger->warn("careful");
  }
  auto lines = split_lines(testing::read_file(tmp.path() / "glm.log"));
  ASSERT_EQ(lines.size(), 2u);
  // 2026-11-21 22:15:03.123 info  [glm] hello 42
  ASSERT_GE(lines[0].size(), 24u);
  EXPECT_EQ(lines[0][4], '-');
  EXPECT_EQ(lines[0][10], ' ');
  EXPECT_EQ(lines[0][19], '.');
  EXPECT_EQ(lines[0].substr(23), " info  [glm] hello 42");
  EXPECT_EQ(lines[1].substr(23), " warning [glm] careful");
}

TEST(LogFile, SecretsAreMasked) {
  TempDir tmp;
  auto options = options_for(tmp.path(), "glm");
  options.secrets = {"sk-live-abcdefghijklmnop1234"};
  {
    auto logger = open_ok(options);
    logger->info(
        "upstream said: bad key sk-live-abcdefghijklmnop1234 (twice: "
        "sk-live-abcdefghijklmnop1234)");
  }
  std::string text = testing::read_file(tmp.path() / "glm.log");
  EXPECT_EQ(text.find("abcdefghijklmnop"), std::string::npos) << text;
  EXPECT_NE(text.find("1234"), std::string::npos) << text;
}

TEST(LogFile, ShortSecretsAreMaskedToo) {
  TempDir tmp;
  auto options = options_for(tmp.path(), "glm");
  options.secrets = {"k7Qz", "", "sk-live-abcdefghijklmnop1234"};
  {
    auto logger = open_ok(options);
    logger->info("client key k7Qz, upstream key sk-live-abcdefghijklmnop1234");
  }
  std::string text = testing::read_file(tmp.path() / "glm.log");
  EXPECT_EQ(text.find("k7Qz"), std::string::npos) << text;
  EXPECT_EQ(text.find("abcdefghijklmnop"), std::string::npos) << text;
  EXPECT_NE(text.find("client key "), std::string::npos) << text;
}

TEST(LogFile, ControlCharactersCannotStartALine) {
  TempDir tmp;
  auto options = options_for(tmp.path(), "glm");
  {
    auto logger = open_ok(options);
    logger->info("model kimi\n2026-12-05 00:00:00.000 info  [glm] FORGED");
    logger->info(std::string("a\r\nb\tc\x1b[31md\x7f") + '\0' + "e \xc3\xa9");
  }
  auto lines = split_lines(testing::read_file(tmp.path() / "glm.log"));
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0].substr(23),
            " info  [glm] model kimi\\n2026-12-05 00:00:00.000 info  [glm] FORGED");
  EXPECT_EQ(lines[1].substr(23), " info  [glm] a\\r\\nb\\x09c\\x1b[31md\\x7f\\x00e \xc3\xa9");
}

TEST(LogLine, EscapeControlsKeepsEverythingElse) {
  EXPECT_EQ(escape_controls("plain text, ünïcode {}"), "plain text, ünïcode {}");
  EXPECT_EQ(escape_controls("\n\r\x01\x1f\x7f "), "\\n\\r\\x01\\x1f\\x7f ");
  EXPECT_EQ(safe_message("key abcd\nnext", {"abcd"}), "key \xe2\x80\xa6\\nnext");
}

// Everything written to fd 2 while `body` runs.
template <typename Body>
std::string capture_stderr(Body body) {
  std::fflush(stderr);
  TempDir tmp;
  const auto path = tmp.path() / "stderr";
  int file = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  int saved = ::dup(STDERR_FILENO);
  ::dup2(file, STDERR_FILENO);
  ::close(file);
  body();
  std::fflush(stderr);
  ::dup2(saved, STDERR_FILENO);
  ::close(saved);
  return testing::read_file(path);
}

TEST(LogLine, StderrSinkMasksAndEscapesLikeTheFile) {
  std::string out = capture_stderr([] {
    spdlog::logger logger("glm", stderr_sink({"k7Qz"}));
    logger.info("key k7Qz\nFORGED");
  });
  auto lines = split_lines(out);
  ASSERT_EQ(lines.size(), 1u) << out;
  ASSERT_GE(lines[0].size(), 24u);
  EXPECT_EQ(lines[0][19], '.');
  EXPECT_EQ(lines[0].substr(23), " info  [glm] key \xe2\x80\xa6\\nFORGED");
}

TEST(LogFile, ModesAre0600In0700) {
  TempDir tmp;
  ::umask(022);
  auto dir = tmp.path() / "fresh" / "logs";
  auto options = options_for(dir, "m");
  options.policy.max_bytes = 200;
  options.policy.compress = true;
  {
    auto logger = open_ok(options);
    for (int i = 0; i < 10; ++i) {
      logger->info("line {} {}", i, std::string(50, 'y'));
    }
    wait_for_archive_work(logger);
  }
  EXPECT_EQ(testing::mode_of(dir), 0700u);
  for (const auto& name : testing::list_dir(dir)) {
    EXPECT_EQ(testing::mode_of(dir / name), 0600u) << name;
  }
  EXPECT_GE(testing::list_dir(dir).size(), 3u);
}

TEST(LogFile, BroaderModesOfExistingDirAndFileAreTightened) {
  TempDir tmp;
  auto dir = tmp.path() / "logs";
  std::filesystem::create_directory(dir);
  ::chmod(dir.c_str(), 0755);
  testing::write_file(dir / "t.log", "old line\n");
  ::chmod((dir / "t.log").c_str(), 0644);
  {
    auto logger = open_ok(options_for(dir, "t"));
    logger->info("new line");
  }
  EXPECT_EQ(testing::mode_of(dir), 0700u);
  EXPECT_EQ(testing::mode_of(dir / "t.log"), 0600u);
  std::string text = testing::read_file(dir / "t.log");
  EXPECT_EQ(text.rfind("old line\n", 0), 0u) << "existing content kept, appended to";
  EXPECT_NE(text.find("tightened to 0700"), std::string::npos) << text;
  EXPECT_NE(text.find("tightened to 0600"), std::string::npos) << text;
  EXPECT_NE(text.find("new line"), std::string::npos);
}

TEST(LogFile, OpenFailsClearly) {
  TempDir tmp;
  testing::write_file(tmp.path() / "notadir", "x");
  auto not_a_dir = open_log_file(options_for(tmp.path() / "notadir", "x"));
  ASSERT_FALSE(not_a_dir);
  EXPECT_NE(not_a_dir.error().find("notadir exists and is not a directory"), std::string::npos)
      << not_a_dir.error();
  auto escape = open_log_file(options_for(tmp.path(), "../escape"));
  ASSERT_FALSE(escape);
  EXPECT_NE(escape.error().find("invalid log name '../escape'"), std::string::npos)
      << escape.error();
}

TEST(LogFile, RetentionRunsAtOpenAndAfterEachRotationAndIsLogged) {
  TempDir tmp;
  auto dir = tmp.path() / "logs";
  std::filesystem::create_directory(dir);
  auto now = std::chrono::system_clock::now();
  testing::write_file(dir / "r.log.20261101-000000", "old\n");
  testing::set_mtime(dir / "r.log.20261101-000000", now - std::chrono::hours(24 * 10));
  testing::write_file(dir / "notes.txt", "mine\n");
  testing::set_mtime(dir / "notes.txt", now - std::chrono::hours(24 * 10));
  auto options = options_for(dir, "r");
  options.policy.retention_days = 3;
  options.policy.max_bytes = 100;
  auto logger = open_ok(options);
  wait_for_archive_work(logger);
  EXPECT_FALSE(std::filesystem::exists(dir / "r.log.20261101-000000"));
  EXPECT_TRUE(std::filesystem::exists(dir / "notes.txt"));

  // An archive that ages while the writer runs goes at the next rotation.
  testing::write_file(dir / "other.log.20261102-000000", "old too\n");
  testing::set_mtime(dir / "other.log.20261102-000000", now - std::chrono::hours(24 * 4));
  for (int i = 0; i < 5; ++i) {
    logger->info("line {} {}", i, std::string(60, 'x'));
  }
  wait_for_archive_work(logger);
  EXPECT_FALSE(std::filesystem::exists(dir / "other.log.20261102-000000"));
  logger.reset();
  Contents c = collect(dir, "r");
  EXPECT_NE(c.all.find("removed r.log.20261101-000000 (4 bytes, older than 3 days)"),
            std::string::npos)
      << c.all;
  EXPECT_NE(c.all.find("removed other.log.20261102-000000"), std::string::npos) << c.all;
}

TEST(LogFile, OpenCompressesArchivesAnEarlierRunLeftPlain) {
  TempDir tmp;
  auto dir = tmp.path() / "logs";
  std::filesystem::create_directory(dir);
  testing::write_file(dir / "c.log.20261121-000000", "left plain by a crash\n");
  testing::write_file(dir / "other.log.20261121-000000", "not this writer's\n");
  auto options = options_for(dir, "c");
  options.policy.compress = true;
  auto logger = open_ok(options);
  wait_for_archive_work(logger);
  EXPECT_FALSE(std::filesystem::exists(dir / "c.log.20261121-000000"));
  EXPECT_EQ(testing::gunzip_file(dir / "c.log.20261121-000000.gz"), "left plain by a crash\n");
  EXPECT_TRUE(std::filesystem::exists(dir / "other.log.20261121-000000"));
}

// A child process whose stdout/stderr are redirected: raw prints and a crash message land in the
// current file, across rotations.
TEST(LogFile, RedirectStdioFollowsRotations) {
  TempDir tmp;
  auto dir = tmp.path() / "logs";
  constexpr int kRaw = 3000;
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    auto options = options_for(dir, "child");
    options.policy.max_bytes = 16 * 1024;
    options.redirect_stdio = true;
    auto logger = open_ok(options);
    // Raw writes to fd 1 and 2 from one thread while the logger rotates from another.
    std::thread raw([] {
      for (int i = 0; i < kRaw; ++i) {
        char line[64];
        int n = std::snprintf(line, sizeof line, "RAW t%d n%d\n", i % 2, i / 2);
        if (::write(i % 2 == 0 ? 1 : 2, line, static_cast<std::size_t>(n)) != n) {
          ::_exit(3);
        }
      }
    });
    for (int i = 0; i < kRaw; ++i) {
      logger->info("t{} n{} {}", 9, i, std::string(30, 'z'));
    }
    raw.join();
    std::printf("PRINTF t7 n0\n");
    std::fflush(stdout);
    std::fprintf(stderr, "CRASH t8 n0\n");
    std::abort();  // a crash: what it printed must be in the log
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(status)) << "child status " << status;
  EXPECT_EQ(WTERMSIG(status), SIGABRT);

  Contents c = collect(dir, "child");
  EXPECT_GE(c.archives, 5u);
  auto lines = split_lines(c.all);
  std::map<std::pair<int, int>, int> raw_seen;
  std::vector<std::string> logged;
  std::vector<std::string> raw_lines;
  for (const auto& l : lines) {
    (l.rfind("RAW ", 0) == 0 ? raw_lines : logged).push_back(l);
  }
  auto bad = count_records(raw_lines, "RAW ", &raw_seen);
  EXPECT_TRUE(bad.empty());
  expect_each_once(raw_seen, 2, kRaw / 2);
  std::map<std::pair<int, int>, int> logged_seen;
  auto malformed = count_records(logged, "[child] ", &logged_seen);
  // Raw prints never land inside a logged line: each line is one write(2).
  std::vector<std::string> expected_extra = {"CRASH t8 n0", "PRINTF t7 n0"};
  std::sort(malformed.begin(), malformed.end());
  EXPECT_EQ(malformed, expected_extra);
  EXPECT_EQ(logged_seen.size(), static_cast<std::size_t>(kRaw));
  // The last prints went to the current file, after every rotation.
  std::string current = testing::read_file(dir / "child.log");
  EXPECT_NE(current.find("PRINTF t7 n0\n"), std::string::npos);
  EXPECT_NE(current.find("CRASH t8 n0\n"), std::string::npos);
}

}  // namespace
}  // namespace ccproxy::logging
