// Reading the end of logs and following them: tail_reader, LogFollower, line_merge.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "logging/line_merge.h"
#include "logging/log_follower.h"
#include "logging/tail_reader.h"
#include "tests/logging/test_dir.h"

namespace ccproxy::logging {
namespace {

using testing::TempDir;

void append(const std::filesystem::path& p, const std::string& data) {
  std::ofstream out(p, std::ios::binary | std::ios::app);
  out << data;
}

std::string numbered(int from, int to) {
  std::string out;
  for (int i = from; i < to; ++i) {
    out += "line " + std::to_string(i) + "\n";
  }
  return out;
}

TEST(TailReader, LastLinesAcrossBlocks) {
  TempDir tmp;
  auto p = tmp.path() / "a.log";
  testing::write_file(p, numbered(0, 50000));  // ~500 KB: several 64 KB blocks
  auto r = last_lines(p, 3);
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, (std::vector<std::string>{"line 49997", "line 49998", "line 49999"}));
  auto many = last_lines(p, 20000);
  ASSERT_TRUE(many);
  ASSERT_EQ(many->size(), 20000u);
  EXPECT_EQ(many->front(), "line 30000");
  EXPECT_EQ(last_lines(p, 0)->size(), 0u);
}

TEST(TailReader, ShortFilesPartialLinesAndEmpty) {
  TempDir tmp;
  auto p = tmp.path() / "a.log";
  testing::write_file(p, "one\ntwo\nunfinished");
  EXPECT_EQ(*last_lines(p, 10), (std::vector<std::string>{"one", "two", "unfinished"}));
  EXPECT_EQ(*last_lines(p, 1), (std::vector<std::string>{"unfinished"}));
  testing::write_file(p, "");
  EXPECT_TRUE(last_lines(p, 5)->empty());
  EXPECT_FALSE(last_lines(tmp.path() / "missing.log", 5));

  int fd = ::open(p.c_str(), O_RDWR);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::write(fd, "a\nb\nc", 5), 5);
  auto t = read_tail(fd, 5, 5);
  ::close(fd);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->lines, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(t->partial, "c");
  EXPECT_EQ(t->complete_end, 4u);
}

TEST(TailReader, GzipArchives) {
  TempDir tmp;
  auto p = tmp.path() / "a.log.20261121-000000.gz";
  gzFile gz = gzopen(p.c_str(), "wb");
  std::string data = numbered(0, 1000);
  gzwrite(gz, data.data(), static_cast<unsigned>(data.size()));
  gzclose(gz);
  EXPECT_EQ(*last_lines(p, 2), (std::vector<std::string>{"line 998", "line 999"}));
}

TEST(LogFollower, FollowsAppendsRotationAndTruncation) {
  TempDir tmp;
  auto p = tmp.path() / "glm.log";
  testing::write_file(p, numbered(0, 10));
  LogFollower f(p);
  EXPECT_EQ(f.start(2), (std::vector<std::string>{"line 8", "line 9"}));
  EXPECT_TRUE(f.poll().empty());

  append(p, "line 10\nline 1");  // the second line is not finished yet
  EXPECT_EQ(f.poll(), std::vector<std::string>{"line 10"});
  append(p, "1\n");
  EXPECT_EQ(f.poll(), std::vector<std::string>{"line 11"});

  // Rotation: more lines reach the old file after the rename, then the new file starts.
  append(p, "line 12\n");
  std::filesystem::rename(p, tmp.path() / "glm.log.20261121-000000");
  append(tmp.path() / "glm.log.20261121-000000", "line 13\n");
  EXPECT_EQ(f.poll(), (std::vector<std::string>{"line 12", "line 13"}));  // no new file yet
  append(tmp.path() / "glm.log.20261121-000000", "line 14\n");
  testing::write_file(p, "line 15\n");
  EXPECT_EQ(f.poll(), (std::vector<std::string>{"line 14", "line 15"}));

  // Truncation (copy-and-truncate by some other tool): start again from the top.
  testing::write_file(p, "fresh\n");
  ::truncate(p.c_str(), 0);
  append(p, "x\n");
  EXPECT_EQ(f.poll(), std::vector<std::string>{"x"});
  auto events = f.take_events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_NE(events[0].find("truncated"), std::string::npos);
}

TEST(LogFollower, ALineStillInFlightToTheOldFileIsNotLost) {
  TempDir tmp;
  auto p = tmp.path() / "glm.log";
  testing::write_file(p, "one\n");
  LogFollower f(p);
  EXPECT_EQ(f.start(5), std::vector<std::string>{"one"});
  std::filesystem::rename(p, tmp.path() / "glm.log.20261121-000000");
  testing::write_file(p, "three\n");
  EXPECT_EQ(f.poll(), std::vector<std::string>{"three"});
  append(tmp.path() / "glm.log.20261121-000000", "two (late)\n");
  EXPECT_EQ(f.poll(), std::vector<std::string>{"two (late)"});
  append(tmp.path() / "glm.log.20261121-000000", "too late\n");
  append(p, "four\n");
  EXPECT_EQ(f.poll(), std::vector<std::string>{"four"});
}

/// Writes `lines` to `plain`.gz with the mtime `like` has (as the archive worker does).
void compress_like(const std::filesystem::path& plain, const std::string& lines,
                   const std::filesystem::path& like) {
  auto gz_path = plain.string() + ".gz";
  gzFile gz = gzopen(gz_path.c_str(), "wb");
  gzwrite(gz, lines.data(), static_cast<unsigned>(lines.size()));
  gzclose(gz);
  struct stat st {};
  ASSERT_EQ(::stat(like.c_str(), &st), 0);
  struct timespec times[2] = {st.st_atim, st.st_mtim};
  ASSERT_EQ(::utimensat(AT_FDCWD, gz_path.c_str(), times, 0), 0);
}

TEST(LogFollower, FilesRotatedInBetweenTwoPollsAreReadInOrder) {
  TempDir tmp;
  auto p = tmp.path() / "glm.log";
  auto archive = [&](const char* stamp) { return tmp.path() / ("glm.log." + std::string(stamp)); };
  testing::write_file(p, "a1\n");
  testing::write_file(tmp.path() / "glm.log.20261120-235959", "older, already read\n");
  testing::write_file(tmp.path() / "other.log.20261121-000003", "another log\n");
  LogFollower f(p);
  EXPECT_EQ(f.start(5), std::vector<std::string>{"a1"});

  // Three rotations before the next poll; the second archive is compressed meanwhile.
  append(p, "a2\n");
  std::filesystem::rename(p, archive("20261121-000001"));
  testing::write_file(p, "b1\nb2\n");
  std::filesystem::rename(p, archive("20261121-000002"));
  testing::write_file(p, "c1\n");
  std::filesystem::rename(p, archive("20261121-000002-1"));  // same second: a suffix
  compress_like(archive("20261121-000002-1"), "c1\n", archive("20261121-000002-1"));
  std::filesystem::remove(archive("20261121-000002-1"));
  testing::write_file(p, "d1\n");
  EXPECT_EQ(f.poll(), (std::vector<std::string>{"a2", "b1", "b2", "c1", "d1"}));
  EXPECT_TRUE(f.take_events().empty());
  append(p, "d2\n");
  EXPECT_EQ(f.poll(), std::vector<std::string>{"d2"});
}

TEST(LogFollower, FilesRotatedInBetweenAreFoundWhenTheOldOneIsCompressedAlready) {
  TempDir tmp;
  auto p = tmp.path() / "glm.log";
  auto old_archive = tmp.path() / "glm.log.20261121-000001";
  testing::write_file(p, "a1\n");
  LogFollower f(p);
  EXPECT_EQ(f.start(5), std::vector<std::string>{"a1"});
  append(p, "a2\n");
  std::filesystem::rename(p, old_archive);
  compress_like(old_archive, "a1\na2\n", old_archive);  // as the archive worker does
  std::filesystem::remove(old_archive);
  testing::write_file(p, "b1\n");
  std::filesystem::rename(p, tmp.path() / "glm.log.20261121-000002");
  testing::write_file(p, "c1\n");
  EXPECT_EQ(f.poll(), (std::vector<std::string>{"a2", "b1", "c1"}));
}

TEST(LogFollower, TwoCompressedArchivesWithOneMtimeAreToldApartByTheirOrder) {
  TempDir tmp;
  auto p = tmp.path() / "glm.log";
  auto first = tmp.path() / "glm.log.20261121-000001";
  auto second = tmp.path() / "glm.log.20261121-000002";
  testing::write_file(p, "a1\n");
  LogFollower f(p);
  EXPECT_EQ(f.start(5), std::vector<std::string>{"a1"});
  append(p, "a2\n");
  std::filesystem::rename(p, first);
  testing::write_file(p, "b1\n");
  std::filesystem::rename(p, second);
  testing::write_file(p, "c1\n");
  // Both compressed, with the same mtime (file times tick coarsely): the old file is the first.
  compress_like(first, "a1\na2\n", first);
  compress_like(second, "b1\n", first);
  std::filesystem::remove(first);
  std::filesystem::remove(second);
  EXPECT_EQ(f.poll(), (std::vector<std::string>{"a2", "b1", "c1"}));
  EXPECT_TRUE(f.take_events().empty());
}

TEST(LogFollower, ArchivesAreNotPrintedWhenTheOldFileIsNotAmongThem) {
  // Another tool renamed the log to a name of its own; an archive of ccproxy's kind appeared
  // too. It might hold lines already shown, so it is named, not printed.
  TempDir tmp;
  auto p = tmp.path() / "glm.log";
  testing::write_file(p, "a1\n");
  LogFollower f(p);
  EXPECT_EQ(f.start(5), std::vector<std::string>{"a1"});
  append(p, "a2\n");
  std::filesystem::rename(p, tmp.path() / "glm.log.1");
  testing::write_file(tmp.path() / "glm.log.20261121-000001", "x\n");
  testing::write_file(p, "b1\n");
  EXPECT_EQ(f.poll(), (std::vector<std::string>{"a2", "b1"}));
  auto events = f.take_events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_NE(events[0].find("glm.log.20261121-000001: archived while followed, not shown"),
            std::string::npos)
      << events[0];
  // Accounted for: the next rotation does not name it again.
  std::filesystem::rename(p, tmp.path() / "glm.log.20261121-000002");
  testing::write_file(p, "c1\n");
  EXPECT_EQ(f.poll(), std::vector<std::string>{"c1"});
  EXPECT_TRUE(f.take_events().empty());
}

TEST(LogFollower, AFileRotatedInBetweenAndGoneIsAnEvent) {
  TempDir tmp;
  auto p = tmp.path() / "glm.log";
  auto gone = tmp.path() / "glm.log.20261121-000002";
  testing::write_file(p, "a1\n");
  LogFollower f(p);
  EXPECT_EQ(f.start(5), std::vector<std::string>{"a1"});
  std::filesystem::rename(p, tmp.path() / "glm.log.20261121-000001");
  // Listed, then gone before it is read (a dangling link stands in for that moment).
  std::filesystem::create_symlink(tmp.path() / "nowhere", gone);
  testing::write_file(p, "c1\n");
  EXPECT_EQ(f.poll(), std::vector<std::string>{"c1"});
  auto events = f.take_events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_NE(events[0].find("glm.log.20261121-000002: archived and gone"), std::string::npos)
      << events[0];
}

TEST(LogFollower, WaitsForAFileThatDoesNotExistYet) {
  TempDir tmp;
  auto p = tmp.path() / "new.log";
  LogFollower f(p);
  EXPECT_TRUE(f.start(10).empty());
  EXPECT_TRUE(f.poll().empty());
  testing::write_file(p, "hello\n");
  EXPECT_EQ(f.poll(), std::vector<std::string>{"hello"});
}

TEST(LineMerge, InterleavesByTimestampKeepingFileOrder) {
  std::vector<std::vector<std::string>> sources = {
      {"2026-11-21 10:00:00.000 info  [a] a1", "raw from a",
       "2026-11-21 10:00:03.000 info  [a] a3"},
      {"2026-11-21 10:00:01.000 info  [b] b1", "2026-11-21 10:00:02.000 info  [b] b2"},
      {"no stamp at all"},
  };
  auto merged = merge_by_time(sources);
  std::vector<std::string> texts;
  for (const auto& m : merged) {
    texts.push_back(m.text);
  }
  EXPECT_EQ(texts,
            (std::vector<std::string>{"no stamp at all", "2026-11-21 10:00:00.000 info  [a] a1",
                                      "raw from a", "2026-11-21 10:00:01.000 info  [b] b1",
                                      "2026-11-21 10:00:02.000 info  [b] b2",
                                      "2026-11-21 10:00:03.000 info  [a] a3"}));
  EXPECT_EQ(merged[0].source, 2u);
  EXPECT_TRUE(has_log_timestamp("2026-11-21 10:00:00.000"));
  EXPECT_FALSE(has_log_timestamp("2026-11-21 10:00:00"));
  EXPECT_FALSE(has_log_timestamp("2026/11/21 10:00:00.000 x"));
}

}  // namespace
}  // namespace ccproxy::logging
