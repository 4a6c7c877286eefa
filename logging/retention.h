#pragma once
// Retention of archived logs: archives (<name>.log.<YYYYmmdd-HHMMSS>[.gz]) older than the
// retention are deleted, then the oldest go while all archives together exceed the size cap.
// Current logs and files that are not ours are never touched. Safe to run concurrently.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace ccproxy::logging {

struct RetentionOptions {
  int retention_days = 3;
  std::uint64_t max_total_bytes = 1ull << 30;  // 0: no size cap
  bool dry_run = false;
};

struct CleanReport {
  struct Removed {
    std::filesystem::path file;
    std::uint64_t bytes = 0;
    std::string reason;  // "older than 3 days", "over the 1024 MB cap"
  };
  std::vector<Removed> removed;  // what this run removed (or would, in a dry run)
  std::uint64_t bytes = 0;
  std::vector<std::string> errors;  // files that could not be removed, with the reason
};

CleanReport clean_archives(const std::filesystem::path& dir, const RetentionOptions& options,
                           std::chrono::system_clock::time_point now);

}  // namespace ccproxy::logging
