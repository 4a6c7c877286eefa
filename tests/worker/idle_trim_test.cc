#include "worker/idle_trim.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

namespace ccproxy::worker {
namespace {

// One mapping of smaps text, with the fields the parser reads and a few it must skip.
std::string mapping(const std::string& header, int rss_kb, int anonymous_kb, int locked_kb = 0) {
  return header + "\n" + "Size:                 64 kB\nKernelPageSize:        4 kB\n" +
         "Rss:                 " + std::to_string(rss_kb) + " kB\n" +
         "Pss:                 " + std::to_string(rss_kb / 2) + " kB\n" +
         "Shared_Clean:        " + std::to_string(rss_kb) + " kB\n" +
         "Anonymous:           " + std::to_string(anonymous_kb) + " kB\n" +
         "AnonHugePages:         0 kB\n" + "Locked:              " + std::to_string(locked_kb) +
         " kB\n" + "THPeligible:    0\nVmFlags: rd ex mr mw me sd \n";
}

TEST(IdleTrim, ListsOnlyCleanPrivateReadOnlyFileMappings) {
  const std::string smaps =
      mapping("5600aa000000-5600aa010000 r--p 00000000 fd:01 11 /usr/bin/ccproxy", 64, 0) +
      mapping("5600aa010000-5600aa030000 r-xp 00010000 fd:01 11 /usr/bin/ccproxy", 120, 0) +
      // RELRO: written by the loader, then made read-only: its pages are the process's own.
      mapping("5600aa030000-5600aa034000 r--p 00030000 fd:01 11 /usr/bin/ccproxy", 16, 16) +
      mapping("5600aa034000-5600aa035000 rw-p 00034000 fd:01 11 /usr/bin/ccproxy", 4, 4) +
      mapping("5600ab000000-5600ab100000 rw-p 00000000 00:00 0 [heap]", 900, 900) +
      mapping("7f0000000000-7f0000040000 r-xp 00000000 fd:01 22 /lib/libcrypto.so.3", 0, 0) +
      mapping("7f0000100000-7f0000140000 r--s 00000000 fd:01 23 /var/cache/shared.db", 40, 0) +
      mapping("7f0000200000-7f0000210000 r-xp 00000000 fd:01 24 /opt/my tools/lib x.so (deleted)",
              8, 0) +
      mapping("7f0000300000-7f0000310000 r-xp 00000000 fd:01 25 /lib/locked.so", 64, 0, 64) +
      mapping("7ffd00000000-7ffd00002000 r-xp 00000000 00:00 0 [vdso]", 8, 0) +
      mapping("7f0000400000-7f0000401000 r--p 00000000 fd:01 26 /lib/last.so", 4, 0);
  const auto ranges = droppable_file_ranges(smaps);
  ASSERT_EQ(ranges.size(), 4u);
  EXPECT_EQ(ranges[0].begin, 0x5600aa000000u);
  EXPECT_EQ(ranges[0].end, 0x5600aa010000u);
  EXPECT_EQ(ranges[0].resident_bytes, 64u * 1024);
  EXPECT_EQ(ranges[1].begin, 0x5600aa010000u);
  EXPECT_EQ(ranges[1].resident_bytes, 120u * 1024);
  EXPECT_EQ(ranges[2].begin, 0x7f0000200000u);  // a path with spaces, a deleted file
  EXPECT_EQ(ranges[3].begin, 0x7f0000400000u);  // the last mapping, no blank line after it
  EXPECT_EQ(ranges[3].end, 0x7f0000401000u);
}

TEST(IdleTrim, AMappingWhoseCountersAreMissingOrUnreadableIsKept) {
  // Without an Anonymous line nothing says the mapping is clean.
  const std::string smaps =
      "7f0000000000-7f0000010000 r-xp 00000000 fd:01 22 /lib/a.so\nRss: 64 kB\n"
      "7f0000010000-7f0000020000 r-xp 00000000 fd:01 22 /lib/b.so\n";
  EXPECT_TRUE(droppable_file_ranges(smaps).empty());
  // Nor a counter that does not read as a number.
  EXPECT_TRUE(droppable_file_ranges("7f0000000000-7f0000010000 r-xp 00000000 fd:01 22 /lib/a.so\n"
                                    "Rss: 64 kB\nAnonymous: ? kB\nLocked: 0 kB\n")
                  .empty());
  EXPECT_TRUE(droppable_file_ranges("7f0000000000-7f0000010000 r-xp 00000000 fd:01 22 /lib/a.so\n"
                                    "Rss: 64 kB\nAnonymous: 0 kB\nLocked:\n")
                  .empty());
  EXPECT_EQ(droppable_file_ranges("7f0000000000-7f0000010000 r-xp 00000000 fd:01 22 /lib/a.so\n"
                                  "Rss: 64 kB\nAnonymous: 0 kB\nLocked: 0 kB\n")
                .size(),
            1u);
  EXPECT_TRUE(droppable_file_ranges("").empty());
  EXPECT_TRUE(droppable_file_ranges("garbage\n\nnot smaps at all").empty());
}

// The resident kB of the mapping that starts at `addr`, read from this process's smaps.
long resident_kb_at(const void* addr) {
  std::ifstream in("/proc/self/smaps");
  std::string line;
  char want[32];
  std::snprintf(want, sizeof want, "%lx-", reinterpret_cast<unsigned long>(addr));
  bool in_mapping = false;
  while (std::getline(in, line)) {
    if (line.rfind(want, 0) == 0) {
      in_mapping = true;
    } else if (in_mapping && line.rfind("Rss:", 0) == 0) {
      return std::atol(line.c_str() + 4);
    }
  }
  return -1;
}

class TempFile {
 public:
  explicit TempFile(std::size_t size, char fill) {
    char name[] = "/tmp/ccproxy-idle-trim-XXXXXX";
    fd_ = ::mkstemp(name);
    ::unlink(name);
    std::string bytes(size, fill);
    EXPECT_EQ(::write(fd_, bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
  }
  ~TempFile() { ::close(fd_); }
  int fd() const { return fd_; }

 private:
  int fd_ = -1;
};

TEST(IdleTrim, DropsCleanFilePagesAndKeepsWrittenOnes) {
  const std::size_t size = 64 * 1024;
  TempFile clean_file(size, 'c');
  TempFile written_file(size, 'w');
  auto* clean =
      static_cast<char*>(::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, clean_file.fd(), 0));
  auto* written = static_cast<char*>(
      ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE, written_file.fd(), 0));
  ASSERT_NE(clean, MAP_FAILED);
  ASSERT_NE(written, MAP_FAILED);
  long sum = 0;
  for (std::size_t i = 0; i < size; i += 4096) {
    sum += clean[i];
  }
  EXPECT_EQ(sum, 'c' * static_cast<long>(size / 4096));
  // A private copy of one page, then read-only, as the loader leaves relocated data.
  written[4096] = 'X';
  ASSERT_EQ(::mprotect(written, size, PROT_READ), 0);
  ASSERT_EQ(resident_kb_at(clean), 64);
  const long written_before = resident_kb_at(written);
  ASSERT_GT(written_before, 0);

  const TrimResult r = trim_idle_memory();
  ASSERT_TRUE(r.smaps_read);
  EXPECT_GE(r.file_bytes, 64u * 1024);
  EXPECT_GE(r.mappings, 1u);

  // The clean mapping is no longer resident, and reads back the same from the page cache.
  EXPECT_EQ(resident_kb_at(clean), 0);
  EXPECT_EQ(clean[0], 'c');
  EXPECT_EQ(clean[size - 1], 'c');
  // The mapping with a page of its own was left whole: the written byte is still there.
  EXPECT_EQ(resident_kb_at(written), written_before);
  EXPECT_EQ(written[4096], 'X');
  EXPECT_EQ(written[0], 'w');
  ::munmap(clean, size);
  ::munmap(written, size);
}

}  // namespace
}  // namespace ccproxy::worker
