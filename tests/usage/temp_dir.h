#pragma once
// A throw-away directory for ledger files, a row builder and a row comparison.

#include <stdlib.h>

#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "usage/row_batch.h"
#include "usage/usage_row.h"

namespace ccproxy::usage::testing {

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "ccproxy-usage-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) {
      ADD_FAILURE() << "mkdtemp failed";
    }
    root_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(root_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::filesystem::path file(const std::string& name = "usage.db") const { return root_ / name; }

 private:
  std::filesystem::path root_;
};

/// 2026-12-05T00:00:00Z in milliseconds.
inline constexpr std::int64_t kDay5 = 1'796'428'800'000;
inline constexpr std::int64_t kDayMs = 86'400'000;

inline UsageRow row(std::string profile, std::string model, std::int64_t time_ms, std::int64_t in,
                    std::int64_t out, std::int64_t cache_read = 0, int status = 200,
                    std::int64_t latency_ms = 100, std::string session = "") {
  UsageRow r;
  r.time_ms = time_ms;
  r.profile = std::move(profile);
  r.upstream = "router.example";
  r.model = std::move(model);
  r.client_model = "claude-sonnet-4-5";
  r.session = std::move(session);
  r.status = status;
  r.input_tokens = in;
  r.output_tokens = out;
  r.cache_read_tokens = cache_read;
  r.latency_ms = latency_ms;
  r.ttfb_ms = latency_ms / 2;
  return r;
}

/// Every field of `got` equals `want`'s.
inline void expect_same_row(const UsageRowRef& got, const UsageRow& want) {
  EXPECT_EQ(got.time_ms, want.time_ms);
  EXPECT_EQ(got.profile, want.profile);
  EXPECT_EQ(got.upstream, want.upstream);
  EXPECT_EQ(got.model, want.model);
  EXPECT_EQ(got.client_model, want.client_model);
  EXPECT_EQ(got.session, want.session);
  EXPECT_EQ(got.stream, want.stream);
  EXPECT_EQ(got.status, want.status);
  EXPECT_EQ(got.input_tokens, want.input_tokens);
  EXPECT_EQ(got.output_tokens, want.output_tokens);
  EXPECT_EQ(got.cache_read_tokens, want.cache_read_tokens);
  EXPECT_EQ(got.cache_write_tokens, want.cache_write_tokens);
  EXPECT_EQ(got.latency_ms, want.latency_ms);
  EXPECT_EQ(got.ttfb_ms, want.ttfb_ms);
}

}  // namespace ccproxy::usage::testing
