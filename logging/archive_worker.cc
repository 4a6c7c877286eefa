#include "logging/archive_worker.h"

#include "logging/archive_name.h"
#include "logging/gzip_archive.h"
#include "logging/retention.h"
#include "logging/size_text.h"

namespace ccproxy::logging {

ArchiveWorker::ArchiveWorker(std::filesystem::path dir, RotationPolicy policy, Clock clock,
                             Report report)
    : dir_(std::move(dir)), policy_(policy), clock_(std::move(clock)), report_(std::move(report)) {}

ArchiveWorker::~ArchiveWorker() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
    jobs_.clear();
  }
  cancel_ = true;
  cv_.notify_all();
  if (thread_.joinable()) {
    thread_.join();
  }
}

void ArchiveWorker::archived(const std::filesystem::path& archive) {
  Job job;
  if (policy_.compress) {
    job.compress = archive;
  }
  push(std::move(job));
}

void ArchiveWorker::clean() {
  push(Job{});
}

void ArchiveWorker::recover(const std::string& stem) {
  if (!policy_.compress) {
    return;
  }
  std::error_code ec;
  std::filesystem::directory_iterator it(dir_, ec);
  if (ec) {
    return;
  }
  std::vector<std::filesystem::path> plain;
  for (; it != std::filesystem::directory_iterator(); it.increment(ec)) {
    if (ec) {
      break;
    }
    auto name = parse_archive_name(it->path().filename().string());
    if (name && !name->gz && name->stem == stem) {
      plain.push_back(it->path());
    }
  }
  for (const auto& p : plain) {
    push(Job{p, /*clean=*/false});
  }
}

void ArchiveWorker::push(Job job) {
  std::lock_guard lock(mu_);
  if (stop_) {
    return;
  }
  jobs_.push_back(std::move(job));
  if (!thread_.joinable()) {
    thread_ = std::thread([this] { run(); });
  }
  cv_.notify_all();
}

void ArchiveWorker::drain() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [this] { return (jobs_.empty() && !busy_) || stop_; });
}

void ArchiveWorker::run() {
  std::unique_lock lock(mu_);
  for (;;) {
    cv_.wait(lock, [this] { return stop_ || !jobs_.empty(); });
    if (stop_) {
      return;
    }
    Job job = std::move(jobs_.front());
    jobs_.pop_front();
    // Several rotations in a row need one retention pass, after the last compression.
    if (job.clean) {
      for (const auto& next : jobs_) {
        if (next.clean) {
          job.clean = false;
          break;
        }
      }
    }
    busy_ = true;
    lock.unlock();
    do_job(job);
    lock.lock();
    busy_ = false;
    cv_.notify_all();
  }
}

void ArchiveWorker::do_job(const Job& job) {
  if (job.compress) {
    if (auto r = compress_archive(*job.compress, &cancel_); !r) {
      if (!cancel_) {
        report_(true, "cannot compress " + job.compress->string() + ": " + r.error());
      }
      return;
    }
  }
  if (!job.clean) {
    return;
  }
  RetentionOptions options;
  options.retention_days = policy_.retention_days;
  options.max_total_bytes = policy_.max_total_bytes;
  auto now = clock_ ? clock_() : std::chrono::system_clock::now();
  CleanReport report = clean_archives(dir_, options, now);
  for (const auto& r : report.removed) {
    report_(false, "removed " + r.file.filename().string() + " (" + size_text(r.bytes) + ", " +
                       r.reason + ")");
  }
  for (const auto& e : report.errors) {
    report_(true, e);
  }
}

}  // namespace ccproxy::logging
