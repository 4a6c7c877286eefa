#include "supervisor/usage_retention.h"

#include <spdlog/spdlog.h>

#include "supervisor/supervisor_process.h"
#include "usage/ledger_db.h"
#include "usage/retention.h"

namespace ccproxy::supervisor {

void UsageRetention::tick(std::chrono::steady_clock::time_point now) {
  if (last_ && now - *last_ < std::chrono::hours(24)) {
    return;
  }
  last_ = now;
  const config::Fleet fleet = load_home_fleet(home_);
  auto removed = usage::apply_retention(usage::ledger_file(home_.root), fleet.usage.retention_days,
                                        std::chrono::system_clock::now());
  if (!removed) {
    log_.warn("usage retention: {}", removed.error());
  } else if (*removed > 0) {
    log_.info("usage retention: removed {} ledger rows older than {} days", *removed,
              fleet.usage.retention_days);
  }
}

}  // namespace ccproxy::supervisor
