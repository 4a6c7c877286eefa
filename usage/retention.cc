#include "usage/retention.h"

#include "usage/ledger_db.h"

namespace ccproxy::usage {

std::int64_t retention_cutoff_ms(int retention_days, std::chrono::system_clock::time_point now) {
  if (retention_days <= 0) {
    return 0;
  }
  const auto cutoff = now - std::chrono::hours(24) * retention_days;
  return std::chrono::duration_cast<std::chrono::milliseconds>(cutoff.time_since_epoch()).count();
}

Result<std::int64_t> apply_retention(const std::filesystem::path& file, int retention_days,
                                     std::chrono::system_clock::time_point now, bool dry_run) {
  const std::int64_t cutoff = retention_cutoff_ms(retention_days, now);
  std::error_code ec;
  if (cutoff <= 0 || !std::filesystem::exists(file, ec)) {
    return std::int64_t{0};
  }
  auto db = LedgerDb::open(file, LedgerDb::Mode::existing, 2000);
  if (!db) {
    return fail(db.error());
  }
  return db->remove_before(cutoff, dry_run);
}

}  // namespace ccproxy::usage
