#pragma once
// Writes usage rows to the ledger off the request path: add() only queues (a bounded queue,
// one short lock); a background thread writes what is queued every second, or as soon as 100
// rows wait, in one transaction, at the lowest CPU priority. A ledger that cannot take rows (full
// disk, locked longer than the busy timeout, queue full) costs those rows, counted and logged at
// most once a minute, never a request.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "common/result.h"
#include "usage/row_batch.h"

namespace ccproxy::usage {

class LedgerDb;

struct WriterOptions {
  std::size_t batch_rows = 100;              // write as soon as this many wait
  std::chrono::milliseconds interval{1000};  // else at least this often
  /// Under load, batches at most this often: a busy worker writes a few larger transactions
  /// a second instead of one per 100 rows (each costs the WAL's locks and page writes).
  std::chrono::milliseconds min_gap{100};
  std::size_t max_queued = 10'000;               // beyond: rows are dropped (counted)
  std::chrono::milliseconds warn_every{60'000};  // at most one warning per this
  int busy_timeout_ms = 2000;                    // wait this long for another writer
  /// The writer thread's nice value (Linux sets it per thread): 19 lets the request threads
  /// go first, so the writing takes idle CPU; it still gets a share on a saturated machine.
  int nice = 19;
  /// Where warnings go (dropped rows); called from the writer thread.
  std::function<void(const std::string&)> warn;
};

class LedgerWriter {
 public:
  /// Opens (creating when missing) the ledger at `file` and starts the writer thread.
  static Result<std::unique_ptr<LedgerWriter>> open(const std::filesystem::path& file,
                                                    WriterOptions options);
  /// Writes what is still queued, then stops the thread.
  ~LedgerWriter();
  LedgerWriter(const LedgerWriter&) = delete;
  LedgerWriter& operator=(const LedgerWriter&) = delete;

  /// Queues one row (its texts are copied); never blocks on the database. Thread-safe.
  void add(const UsageRowRef& row);
  void add(const UsageRow& row) { add(UsageRowRef::of(row)); }
  /// Blocks until every row queued so far is written or dropped (tests, shutdown).
  void flush();

  std::uint64_t written() const;
  std::uint64_t dropped() const;

 private:
  LedgerWriter(std::unique_ptr<LedgerDb> db, WriterOptions options);
  void run();
  void write_batch();
  void note_dropped(std::uint64_t n, const std::string& why);

  std::unique_ptr<LedgerDb> db_;
  WriterOptions options_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::condition_variable idle_;
  RowBatch queue_;          // filled by add()
  RowBatch writing_batch_;  // the writer thread's; emptied and swapped back with queue_
  bool writing_ = false;
  bool stopping_ = false;
  std::uint64_t written_ = 0;
  std::uint64_t dropped_ = 0;
  std::uint64_t queue_full_ = 0;  // dropped by add(), not yet reported
  // Warnings, writer thread only.
  std::uint64_t unreported_ = 0;
  std::string last_reason_;
  std::chrono::steady_clock::time_point last_warning_{};
  std::chrono::steady_clock::time_point last_write_{};
  bool warned_ = false;
  std::thread thread_;
};

}  // namespace ccproxy::usage
