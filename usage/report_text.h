#pragma once
// A usage Report as `ccproxy usage` prints it: an aligned table with a total line (and, for
// days on a terminal, a bar chart of tokens per day), or JSON.

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "usage/aggregate.h"

namespace ccproxy::usage {

/// The table. `chart`: a bar of tokens per row beside the table (used for days on a
/// terminal), coloured when `colour`.
std::string render_report(const Report& report, Grouping by, bool chart, bool colour);

/// {"by", "since", "until", "rows":[...], "total":{...}}; field names are a contract (README).
nlohmann::json report_json(const Report& report, Grouping by, std::int64_t since_ms,
                           std::optional<std::int64_t> until_ms);

/// "12", "1,234", "12,345,678".
std::string group_digits(std::int64_t n);
/// "$0.0123", "$1.23", "$1,234.57"; "-" when null.
std::string money_text(std::optional<double> usd);
/// "1.2k", "3.4M" for the statusline; plain below 1,000.
std::string short_count(std::int64_t n);

}  // namespace ccproxy::usage
