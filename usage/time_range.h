#pragma once
// Times the reports take (--since/--until) and the local days they group by.

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace ccproxy::usage {

enum class Bound { since, until };

/// A duration back from now (`30m`, `1h`, `7d`, `2w`; also `s`) or a local date
/// (`2026-12-01`): for --since the date's first moment, for --until the end of that day (so
/// `--since D --until D` is day D). Unix milliseconds; an error message says what is accepted.
Result<std::int64_t> parse_time_bound(std::string_view text, std::int64_t now_ms, Bound bound);

/// "YYYY-MM-DD" of the local day holding `ms`.
std::string local_day(std::int64_t ms);
/// The first millisecond of the local day holding `ms`.
std::int64_t start_of_local_day(std::int64_t ms);

}  // namespace ccproxy::usage
