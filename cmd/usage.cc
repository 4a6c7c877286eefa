// ccproxy usage: tokens, cost and latency from the home's usage ledger, grouped by profile and
// model (default), profile, model, day or session, as a table or JSON.

#include <unistd.h>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cmd/args.h"
#include "cmd/command.h"
#include "supervisor/status_table.h"
#include "supervisor/supervisor_process.h"
#include "usage/aggregate.h"
#include "usage/ledger_db.h"
#include "usage/report_text.h"
#include "usage/time_range.h"

namespace ccproxy::cmd {
namespace {

struct UsageArgs {
  std::string since;
  std::string until;
  std::string by;
  bool json = false;
};

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

/// Every valid profile's [pricing]. Profiles with problems have no known prices: said once.
usage::PriceBook price_book(const config::Home& home) {
  config::Fleet fleet = supervisor::load_home_fleet(home);
  usage::PriceBook book;
  for (const auto& p : fleet.profiles) {
    book[p.name] = p.pricing;
  }
  if (!fleet.ok()) {
    std::cerr << "ccproxy usage: some profiles have problems (see 'ccproxy check'); the cost of "
                 "their requests is unknown\n";
  }
  return book;
}

/// "2026-12-01 14:05" in local time.
std::string local_minute(std::int64_t ms) {
  std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M", &tm);
  return buf;
}

/// The header line: which requests the table covers.
std::string range_text(std::int64_t since, std::optional<std::int64_t> until) {
  if (since <= 0 && !until) {
    return "usage: all recorded requests";
  }
  std::string out = "usage:";
  if (since > 0) {
    out += " from " + local_minute(since);
  }
  out += until ? " until " + local_minute(*until) : " until now";
  return out;
}

int run(const Invocation& inv) {
  UsageArgs args;
  ArgParser parser;
  parser.option("since", &args.since)
      .option("until", &args.until)
      .option("by", &args.by)
      .flag("json", &args.json);
  if (auto err = parser.parse(inv.args)) {
    return usage_error(kUsageCommand, *err);
  }
  usage::Grouping by = usage::Grouping::profile_model;
  if (!args.by.empty()) {
    auto named = usage::grouping_named(args.by);
    if (!named) {
      return usage_error(kUsageCommand,
                         "--by: '" + args.by + "' is not one of profile, model, day, session");
    }
    by = *named;
  }
  const std::int64_t now = now_ms();
  usage::RowQuery query;
  std::optional<std::int64_t> until;
  if (!args.since.empty()) {
    auto t = usage::parse_time_bound(args.since, now, usage::Bound::since);
    if (!t) {
      return usage_error(kUsageCommand, "--since: " + t.error());
    }
    query.since_ms = *t;
  }
  if (!args.until.empty()) {
    auto t = usage::parse_time_bound(args.until, now, usage::Bound::until);
    if (!t) {
      return usage_error(kUsageCommand, "--until: " + t.error());
    }
    until = *t;
    query.until_ms = *t;
  }
  if (query.since_ms >= query.until_ms) {
    return usage_error(kUsageCommand, "--since must be before --until");
  }

  const std::filesystem::path file = usage::ledger_file(inv.home.root);
  const usage::PriceBook prices = price_book(inv.home);
  usage::Aggregator sums(by, prices);
  std::error_code ec;
  const bool exists = std::filesystem::exists(file, ec);
  if (exists) {
    auto db = usage::LedgerDb::open(file, usage::LedgerDb::Mode::existing);
    if (!db) {
      std::cerr << "ccproxy usage: " << db.error() << "\n";
      return kExitFailure;
    }
    auto read = db->for_each(query, [&sums](const usage::UsageRow& r) { sums.add(r); });
    if (!read) {
      std::cerr << "ccproxy usage: cannot read " << file.string() << ": " << read.error() << "\n";
      return kExitFailure;
    }
  }
  const usage::Report report = sums.finish();
  if (args.json) {
    std::cout << usage::report_json(report, by, query.since_ms, until).dump(2) << "\n";
    return kExitOk;
  }
  if (!exists) {
    std::cout << "no usage recorded yet (" << file.string() << " does not exist)\n";
    return kExitOk;
  }
  std::cout << range_text(query.since_ms, until) << "\n";
  const bool terminal = supervisor::want_colour(STDOUT_FILENO);
  std::cout << usage::render_report(report, by, terminal && by == usage::Grouping::day, terminal);
  return kExitOk;
}

}  // namespace

const Command kUsageCommand{
    "usage", "usage [--since WHEN] [--until WHEN] [--by profile|model|day|session] [--json]",
    "tokens, cost and latency from the usage ledger",
    "  --since WHEN   only requests from then on: a duration back from now (30m, 1h, 7d, 2w)\n"
    "                 or a local date (2026-12-01, from its first moment); default: all\n"
    "  --until WHEN   only requests before then: a duration or a date (the whole day\n"
    "                 included); default: now\n"
    "  --by KEY       one line per profile, model, day (local) or session (Claude Code's\n"
    "                 x-claude-code-session-id); default: per profile and provider model\n"
    "  --json         {\"by\",\"since\",\"until\",\"rows\":[...],\"total\":{...}}; each row has "
    "its\n"
    "                 key (profile, model, day or session) and requests, errors,\n"
    "                 input_tokens, output_tokens, cache_read_tokens, cache_write_tokens,\n"
    "                 cache_hit_rate, cost_usd, unpriced_requests, p50_latency_ms,\n"
    "                 p50_ttfb_ms\n"
    "\n"
    "Columns: requests, errors (HTTP 4xx/5xx; 499 when the client left), uncached input,\n"
    "output and cache-read tokens, cache hit rate (cache reads / all input), cost in USD from\n"
    "each profile's [pricing] and the median latency, then a TOTAL line. A request whose\n"
    "model has no price has no cost: '-' in the table, null in JSON, never a guess. On a\n"
    "terminal (without NO_COLOR), --by day draws a bar of tokens per day beside the table.\n"
    "The ledger is usage.db in the home; rows older than [usage] retention_days (90) are\n"
    "removed by clean-logs and once a day by the supervisor.\n",
    run};

}  // namespace ccproxy::cmd
