#include "usage/ledger_writer.h"

#include <pthread.h>
#include <sys/resource.h>
#include <unistd.h>

#include <utility>

#include "usage/ledger_db.h"

namespace ccproxy::usage {
namespace {

/// Names the calling thread (top -H, ps -L show it) and gives it nice value `nice`, so that its
/// SQLite work takes the CPU the request threads leave idle instead of preempting them: at
/// nice 0 a batch's few milliseconds cost a saturated worker several times their own CPU time
/// in throughput. A failure (a sandbox that forbids it) leaves the thread as it was.
void name_and_lower_priority(int nice) {
  pthread_setname_np(pthread_self(), "ccproxy-ledger");
  if (nice > 0) {
    (void)setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), nice);
  }
}

}  // namespace

Result<std::unique_ptr<LedgerWriter>> LedgerWriter::open(const std::filesystem::path& file,
                                                         WriterOptions options) {
  auto db = LedgerDb::open(file, LedgerDb::Mode::create, options.busy_timeout_ms);
  if (!db) {
    return fail(db.error());
  }
  auto owned = std::make_unique<LedgerDb>(std::move(db).value());
  return std::unique_ptr<LedgerWriter>(new LedgerWriter(std::move(owned), std::move(options)));
}

LedgerWriter::LedgerWriter(std::unique_ptr<LedgerDb> db, WriterOptions options)
    : db_(std::move(db)), options_(std::move(options)) {
  thread_ = std::thread([this] {
    name_and_lower_priority(options_.nice);
    run();
  });
}

LedgerWriter::~LedgerWriter() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

void LedgerWriter::add(const UsageRowRef& row) {
  bool wake = false;
  {
    std::lock_guard lock(mu_);
    if (queue_.size() >= options_.max_queued) {
      ++dropped_;
      ++queue_full_;
      return;
    }
    queue_.append(row);
    wake = queue_.size() == options_.batch_rows;
  }
  if (wake) {
    wake_.notify_one();
  }
}

void LedgerWriter::flush() {
  std::unique_lock lock(mu_);
  wake_.notify_one();
  idle_.wait(lock, [this] { return queue_.empty() && !writing_; });
}

std::uint64_t LedgerWriter::written() const {
  std::lock_guard lock(mu_);
  return written_;
}

std::uint64_t LedgerWriter::dropped() const {
  std::lock_guard lock(mu_);
  return dropped_;
}

void LedgerWriter::run() {
  std::unique_lock lock(mu_);
  while (true) {
    wake_.wait_for(lock, options_.interval, [this] {
      return stopping_ || queue_.size() >= options_.batch_rows || queue_full_ > 0;
    });
    // Woken by a full batch soon after the last write: let the batch grow until min_gap.
    const auto since_write = std::chrono::steady_clock::now() - last_write_;
    if (!stopping_ && since_write < options_.min_gap) {
      wake_.wait_for(lock, options_.min_gap - since_write, [this] { return stopping_; });
    }
    const std::uint64_t full = std::exchange(queue_full_, 0);
    std::swap(queue_, writing_batch_);  // writing_batch_ was left empty, its memory kept
    writing_ = !writing_batch_.empty();
    const bool stop = stopping_;
    lock.unlock();
    if (full > 0) {
      note_dropped(full, "the queue was full");
    }
    if (!writing_batch_.empty()) {
      write_batch();
      last_write_ = std::chrono::steady_clock::now();
    }
    lock.lock();
    writing_ = false;
    if (queue_.empty()) {
      idle_.notify_all();
    }
    if (stop && queue_.empty()) {
      break;
    }
  }
  lock.unlock();
  if (unreported_ > 0 && options_.warn) {
    options_.warn("usage ledger: " + std::to_string(unreported_) + " rows not recorded (" +
                  last_reason_ + ")");
  }
}

void LedgerWriter::write_batch() {
  const std::size_t n = writing_batch_.size();
  auto done = db_->insert(writing_batch_);
  writing_batch_.clear();
  {
    std::lock_guard lock(mu_);
    (done ? written_ : dropped_) += n;
  }
  if (!done) {
    note_dropped(n, done.error());
  }
}

void LedgerWriter::note_dropped(std::uint64_t n, const std::string& why) {
  unreported_ += n;
  last_reason_ = why;
  const auto now = std::chrono::steady_clock::now();
  if (warned_ && now - last_warning_ < options_.warn_every) {
    return;
  }
  if (options_.warn) {
    options_.warn("usage ledger: " + std::to_string(unreported_) + " rows not recorded (" + why +
                  "); requests are not affected");
  }
  unreported_ = 0;
  warned_ = true;
  last_warning_ = now;
}

}  // namespace ccproxy::usage
