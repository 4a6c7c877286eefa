#pragma once
// A throw-away directory for ledger files, and a row builder.

#include <stdlib.h>

#include <filesystem>
#include <string>

#include <gtest/gtest.h>

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

}  // namespace ccproxy::usage::testing
