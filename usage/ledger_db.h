#pragma once
// The usage ledger's SQLite file: opening it (WAL, busy timeout, mode 0600, schema version),
// writing rows, removing old ones, reading a time range, a profile or a session back. SQLite
// stays inside ledger_db.cc, ledger_query.{h,cc}, ledger_schema.cc and sqlite_statement.h.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "usage/ledger_schema.h"
#include "usage/row_batch.h"
#include "usage/usage_row.h"

struct sqlite3;

namespace ccproxy::usage {

/// Which rows to read: [since_ms, until_ms) and, when set, one profile and/or one session.
struct RowQuery {
  std::int64_t since_ms = 0;
  std::int64_t until_ms = INT64_MAX;
  std::optional<std::string> profile;
  std::optional<std::string> session;
};

class LedgerDb {
 public:
  enum class Mode {
    create,    // create the file (0600) and the schema when missing: the workers
    existing,  // a missing file is an error: the reports, which never create one
  };

  /// Opens `file`. Fails with a readable message: cannot open, not a ledger, or a schema newer
  /// than this build's.
  static Result<LedgerDb> open(const std::filesystem::path& file, Mode mode,
                               int busy_timeout_ms = 5000);

  LedgerDb(LedgerDb&&) noexcept;
  LedgerDb& operator=(LedgerDb&&) noexcept;
  ~LedgerDb();

  /// Writes all rows in one transaction, or none of them.
  Result<void> insert(const RowBatch& rows);
  Result<void> insert(const std::vector<UsageRow>& rows);
  /// Rows that started before `before_ms`: removed, or only counted when dry_run.
  Result<std::int64_t> remove_before(std::int64_t before_ms, bool dry_run = false);
  /// Calls `each` with every row the query selects, in the order they were written (nearly time
  /// order: a long request's row comes after rows of requests that started later). Memory stays
  /// flat however many rows there are; the row passed is reused between calls.
  Result<void> for_each(const RowQuery& query, const std::function<void(const UsageRow&)>& each);
  /// The rows the query selects, oldest first.
  Result<std::vector<UsageRow>> rows(const RowQuery& query);
  /// The selected rows summed per profile and model, without building rows (for quick answers on a
  /// large ledger): each result carries the sums of the token columns and latency, and as time_ms
  /// the latest request's; the other fields are those of the group's key or empty.
  Result<std::vector<UsageRow>> sums_by_model(const RowQuery& query);

 private:
  explicit LedgerDb(sqlite3* db);
  /// The id of a row's text (Ids::Field `field`), added to the file when new.
  Result<std::int64_t> id_of(int field, std::string_view text, std::int64_t time_ms);
  /// insert()'s work inside its transaction; false: a session it knew is gone from the file.
  Result<bool> write_rows(const RowBatch& rows);
  struct Close {
    void operator()(sqlite3* db) const;
  };
  std::unique_ptr<sqlite3, Close> db_;
  static constexpr int kRowsPerInsert = 16;  // rows per INSERT statement, the rest one by one
  /// The writer's ids of names and sessions already in the file, and its statements
  /// (ledger_db.cc).
  struct Ids;
  std::unique_ptr<Ids> ids_;
};

/// Where a home keeps its ledger.
inline std::filesystem::path ledger_file(const std::filesystem::path& home) {
  return home / "usage.db";
}

}  // namespace ccproxy::usage
