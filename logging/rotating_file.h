#pragma once
// RotatingFile owns dir/<name>.log and writes whole lines to it, each with a single write(2)
// on an O_APPEND descriptor (nothing is buffered in user space, so a crash loses nothing that
// was logged). Before a line that would take the file past the size cap, or the first line
// after local midnight, it renames the file to <name>.log.<YYYYmmdd-HHMMSS>[-n] and opens a
// fresh one: a line never straddles two files, and no line is lost or written twice.
//
// Not thread-safe: the spdlog sink that wraps it serialises writers.

#include <sys/types.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "logging/log_file.h"

namespace ccproxy::logging {

class RotatingFile {
 public:
  /// Called after each rotation with the archive's path (to compress it, then apply retention).
  using ArchiveHook = std::function<void(const std::filesystem::path& archive)>;

  /// Creates the directory (0700) and the file (0600), tightening broader modes of existing
  /// ones; such fixes are returned by notices() for the caller to log. A log file that is a
  /// symbolic link is an error (never written or chmodded through); a directory that is one is
  /// used, its mode left as it is.
  static Result<std::unique_ptr<RotatingFile>, std::string> open(const LogFileOptions& options,
                                                                 ArchiveHook on_archive);
  ~RotatingFile();
  RotatingFile(const RotatingFile&) = delete;
  RotatingFile& operator=(const RotatingFile&) = delete;

  /// Writes one line (the caller includes the '\n'), rotating first when due.
  void write_line(std::string_view line);

  /// Rotates now (if the file is not empty).
  void rotate();

  const std::filesystem::path& path() const { return path_; }
  int fd() const { return fd_; }
  std::uint64_t rotations() const { return rotations_; }
  std::uint64_t write_errors() const { return write_errors_; }
  /// Things worth a warning in the log: modes tightened, rotation failures.
  std::vector<std::string> take_notices();

 private:
  RotatingFile(const LogFileOptions& options, ArchiveHook on_archive);
  Result<void, std::string> open_current();
  void schedule_midnight(std::chrono::system_clock::time_point now);
  void rotate_at(std::chrono::system_clock::time_point now);
  std::chrono::system_clock::time_point now() const;

  LogFileOptions options_;
  ArchiveHook on_archive_;
  std::filesystem::path path_;
  int fd_ = -1;
  dev_t dev_ = 0;
  ino_t ino_ = 0;
  std::chrono::system_clock::time_point next_midnight_;
  std::chrono::system_clock::time_point retry_after_;  // after a failed rotation
  std::uint64_t rotations_ = 0;
  std::uint64_t write_errors_ = 0;
  std::vector<std::string> notices_;
};

}  // namespace ccproxy::logging
