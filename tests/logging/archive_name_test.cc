#include "logging/archive_name.h"

#include <gtest/gtest.h>

#include "tests/logging/test_dir.h"

namespace ccproxy::logging {
namespace {

TEST(ArchiveName, ParsesOurNames) {
  auto a = parse_archive_name("glm.log.20261121-000000");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->stem, "glm");
  EXPECT_EQ(a->stamp, "20261121-000000");
  EXPECT_EQ(a->suffix, 0);
  EXPECT_FALSE(a->gz);

  auto b = parse_archive_name("my_profile-2.log.20261121-235959-12.gz");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->stem, "my_profile-2");
  EXPECT_EQ(b->suffix, 12);
  EXPECT_TRUE(b->gz);

  EXPECT_FALSE(parse_archive_name("glm.log.20261121-000000.gz.tmp"));
  auto t = parse_archive_name("glm.log.20261121-000000.gz.tmp", /*allow_tmp=*/true);
  ASSERT_TRUE(t);
  EXPECT_TRUE(t->tmp);
}

TEST(ArchiveName, RejectsEverythingElse) {
  for (const char* name :
       {"glm.log", "glm.log.bak", "other.log.2024", "notes.txt", "glm.log.20261121",
        "glm.log.20261121-00000", "glm.log.2026112-000000", "glm.log.20261121-000000-",
        "glm.log.20261121-000000.zip", "glm.log.20261121-000000.gz.gz", ".log.20261121-000000",
        "g m.log.20261121-000000", "glm.txt.20261121-000000", "glm.log.20261121-000000x",
        "glm.log.20261121_000000"}) {
    EXPECT_FALSE(parse_archive_name(name, /*allow_tmp=*/true)) << name;
  }
}

TEST(ArchiveName, RoundTrip) {
  auto t = testing::local_time(2026, 11, 22, 0, 0, 1);
  EXPECT_EQ(archive_stamp(t), "20261122-000001");
  EXPECT_EQ(archive_file_name("glm", "20261122-000001", 0), "glm.log.20261122-000001");
  EXPECT_EQ(archive_file_name("glm", "20261122-000001", 3), "glm.log.20261122-000001-3");
  auto p = parse_archive_name(archive_file_name("glm", "20261122-000001", 3) + ".gz");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->suffix, 3);
}

TEST(ArchiveName, Stems) {
  EXPECT_TRUE(is_log_stem("ccproxy"));
  EXPECT_TRUE(is_log_stem("glm-4_6"));
  EXPECT_FALSE(is_log_stem(""));
  EXPECT_FALSE(is_log_stem("../x"));
  EXPECT_FALSE(is_log_stem("a.b"));
}

}  // namespace
}  // namespace ccproxy::logging
