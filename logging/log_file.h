#pragma once
// A log file that rotates by rename and reopen (never copy-and-truncate): daily at local
// midnight and when it passes a size cap, to <name>.log.<YYYYmmdd-HHMMSS>. The writer itself
// rotates, so no line is lost or doubled and nobody has to signal it.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"

namespace spdlog {
class logger;
}

namespace ccproxy::logging {

struct RotationPolicy {
  std::uint64_t max_bytes = 50ull << 20;       // 0: no size trigger
  bool daily = true;                           // rotate at local midnight
  bool compress = false;                       // gzip archives (in the background)
  int retention_days = 3;                      // archives older than this are deleted at rotation
  std::uint64_t max_total_bytes = 1ull << 30;  // second guard over all archives in the dir
};

/// Wall clock seam for tests (time-triggered rotation).
using Clock = std::function<std::chrono::system_clock::time_point()>;

struct LogFileOptions {
  std::filesystem::path dir;  // created 0700 if missing
  std::string name;           // file is dir/<name>.log, created 0600
  RotationPolicy policy;
  /// Point stdout and stderr at the current file (and again after every rotation), so that
  /// anything the process prints, including a crash message, lands in its log.
  bool redirect_stdio = false;
  Clock clock;  // empty: system clock
  /// Secrets (API keys) to mask wherever they appear in a message, as a second guard: callers
  /// redact what they log. Every non-empty value is masked.
  std::vector<std::string> secrets;
};

/// Every line: local time with milliseconds, level, logger name, message (written by
/// log_line.h: secrets masked, control characters escaped, so one record is one line):
///   2026-11-21 22:15:03.123 info  [glm] POST /v1/messages 200 1.2s
inline constexpr const char* kLogPattern = "%Y-%m-%d %H:%M:%S.%e %-5l [%n] %v";

/// A spdlog logger writing lines of line_formatter(options.secrets) to the rotating file.
/// Thread-safe. Each line is written with one write(2) (no user-space buffer for a crash to lose).
/// After a rotation the archive is compressed (policy.compress) and retention applied in a
/// background thread. An error naming the path and the reason when the directory or the file cannot
/// be created, or the name is not a valid log name. Never throws.
Result<std::shared_ptr<spdlog::logger>> open_log_file(const LogFileOptions& options);

/// Waits until the background work of a logger from open_log_file (compression, retention)
/// queued so far is done. A no-op for other loggers.
void wait_for_archive_work(const std::shared_ptr<spdlog::logger>& logger);

}  // namespace ccproxy::logging
