#pragma once
// ArchiveWorker runs the slow part of a rotation off the logging path, in one background
// thread: gzip the new archive (when the policy says so), then apply retention to the log
// directory. Logging never waits for it. On destruction a compression in progress is
// abandoned (the plain archive stays and is compressed by the next open).

#include <atomic>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "logging/log_file.h"

namespace ccproxy::logging {

class ArchiveWorker {
 public:
  /// Receives what the worker did or failed to do, for the log itself.
  using Report = std::function<void(bool warning, const std::string& text)>;

  ArchiveWorker(std::filesystem::path dir, RotationPolicy policy, Clock clock, Report report);
  ~ArchiveWorker();
  ArchiveWorker(const ArchiveWorker&) = delete;
  ArchiveWorker& operator=(const ArchiveWorker&) = delete;

  /// Compress `archive` (if the policy compresses), then apply retention.
  void archived(const std::filesystem::path& archive);
  /// Apply retention only.
  void clean();
  /// Queues the compression of plain archives of `stem` left by an earlier run.
  void recover(const std::string& stem);
  /// Blocks until every queued job is done (tests, orderly shutdown).
  void drain();

 private:
  struct Job {
    std::optional<std::filesystem::path> compress;
    bool clean = true;
  };
  void push(Job job);
  void run();
  void do_job(const Job& job);

  std::filesystem::path dir_;
  RotationPolicy policy_;
  Clock clock_;
  Report report_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> jobs_;
  bool busy_ = false;
  bool stop_ = false;
  std::atomic<bool> cancel_{false};
  std::thread thread_;
};

}  // namespace ccproxy::logging
