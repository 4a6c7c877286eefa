#include "logging/gzip_archive.h"

#include <gtest/gtest.h>

#include <random>

#include "tests/logging/test_dir.h"

namespace ccproxy::logging {
namespace {

using testing::TempDir;

std::string sample_log(std::size_t lines) {
  std::mt19937 rng(7);
  std::string out;
  for (std::size_t i = 0; i < lines; ++i) {
    out += "2026-11-21 22:15:03.123 info  [glm] request " + std::to_string(rng()) + " took " +
           std::to_string(rng() % 5000) + " ms\n";
  }
  return out;
}

TEST(GzipArchive, CompressesToTheSameBytesKeepsMtimeAndMode) {
  TempDir tmp;
  auto plain = tmp.path() / "glm.log.20261121-000000";
  std::string data = sample_log(20000);
  testing::write_file(plain, data);
  ::chmod(plain.c_str(), 0600);
  auto mtime = std::chrono::system_clock::from_time_t(1'790'000'000);
  testing::set_mtime(plain, mtime);

  ASSERT_TRUE(compress_archive(plain));
  auto gz = tmp.path() / "glm.log.20261121-000000.gz";
  EXPECT_FALSE(std::filesystem::exists(plain));
  ASSERT_TRUE(std::filesystem::exists(gz));
  EXPECT_FALSE(std::filesystem::exists(tmp.path() / "glm.log.20261121-000000.gz.tmp"));
  EXPECT_EQ(testing::gunzip_file(gz), data);
  EXPECT_LT(std::filesystem::file_size(gz), data.size() / 2);
  EXPECT_EQ(testing::mode_of(gz), 0600u);
  EXPECT_EQ(std::filesystem::last_write_time(gz).time_since_epoch(),
            std::filesystem::file_time_type::clock::from_sys(mtime).time_since_epoch());
}

TEST(GzipArchive, EmptyFile) {
  TempDir tmp;
  auto plain = tmp.path() / "a.log.20261121-000000";
  testing::write_file(plain, "");
  ASSERT_TRUE(compress_archive(plain));
  EXPECT_EQ(testing::gunzip_file(tmp.path() / "a.log.20261121-000000.gz"), "");
}

TEST(GzipArchive, VanishedArchiveIsNotAnError) {
  TempDir tmp;
  EXPECT_TRUE(compress_archive(tmp.path() / "a.log.20261121-000000"));
  EXPECT_TRUE(testing::list_dir(tmp.path()).empty());
}

TEST(GzipArchive, CancelLeavesThePlainArchiveAndNoTemporary) {
  TempDir tmp;
  auto plain = tmp.path() / "a.log.20261121-000000";
  testing::write_file(plain, sample_log(1000));
  std::atomic<bool> cancel{true};
  auto r = compress_archive(plain, &cancel);
  EXPECT_FALSE(r);
  EXPECT_EQ(testing::list_dir(tmp.path()), std::vector<std::string>{"a.log.20261121-000000"});
}

}  // namespace
}  // namespace ccproxy::logging
