#pragma once
// The ledger's retention: rows older than [usage] retention_days go. Run by `clean-logs` and
// once a day by the supervisor.

#include <chrono>
#include <cstdint>
#include <filesystem>

#include "common/result.h"

namespace ccproxy::usage {

/// The first millisecond kept: rows that started before it are removed. `retention_days` 0
/// keeps everything (0 is returned).
std::int64_t retention_cutoff_ms(int retention_days, std::chrono::system_clock::time_point now);

/// Removes (or, dry_run, counts) the rows of the ledger `file` older than the retention; a
/// missing ledger has nothing to remove. The number of rows, or why it failed.
Result<std::int64_t> apply_retention(const std::filesystem::path& file, int retention_days,
                                     std::chrono::system_clock::time_point now,
                                     bool dry_run = false);

}  // namespace ccproxy::usage
