// ccproxy clean-logs [--days N] [--dry-run]: apply the home's log retention now. Safe from
// cron, while the fleet runs and while another clean-logs runs (see logging/retention.h).

#include <chrono>
#include <iostream>

#include "cmd/args.h"
#include "cmd/command.h"
#include "config/load_fleet.h"
#include "logging/retention.h"
#include "logging/size_text.h"
#include "usage/ledger_db.h"
#include "usage/retention.h"

namespace ccproxy::cmd {
namespace {

std::string plural(std::size_t n, const char* word) {
  return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

std::string bytes_text(std::uint64_t bytes) {
  std::string exact = std::to_string(bytes) + (bytes == 1 ? " byte" : " bytes");
  if (bytes < 1024) {
    return exact;
  }
  return exact + " (" + logging::size_text(bytes) + ")";
}

// ccproxy.toml problems that make its [table] settings unknown: a file that does not parse,
// or a bad value under [table]. Broken profiles do not matter here.
bool settings_unreliable(const std::vector<config::Diagnostic>& problems,
                         const std::string& table) {
  for (const auto& d : problems) {
    if (d.profile.empty() && d.file == "ccproxy.toml" &&
        (d.key.empty() || d.key == table || d.key.rfind(table + ".", 0) == 0)) {
      return true;
    }
  }
  return false;
}

// The usage ledger's rows older than [usage] retention_days (none while those settings are
// unknown); false when removing them failed.
bool clean_ledger(const config::Home& home, const config::Fleet& fleet, bool dry_run,
                  bool& removed_any) {
  if (settings_unreliable(fleet.problems, "usage")) {
    // The safe side, as for logs without --days: nothing is removed by guessed settings.
    std::cerr << "ccproxy clean-logs: the [usage] settings of ccproxy.toml are unknown; the usage "
                 "ledger is left as it is\n";
    return true;
  }
  const int days = fleet.usage.retention_days;
  auto rows = usage::apply_retention(usage::ledger_file(home.root), days,
                                     std::chrono::system_clock::now(), dry_run);
  if (!rows) {
    std::cerr << "ccproxy clean-logs: " << rows.error() << "\n";
    return false;
  }
  if (*rows > 0) {
    removed_any = true;
    std::cout << (dry_run ? "would remove " : "removed ")
              << plural(static_cast<std::size_t>(*rows), "usage ledger row") << " older than "
              << plural(static_cast<std::size_t>(days), "day") << "\n";
  }
  return true;
}

int run(const Invocation& inv) {
  int64_t days = -1;
  bool dry_run = false;
  ArgParser parser;
  parser.int_option("days", &days, 0, 36500).flag("dry-run", &dry_run);
  if (auto err = parser.parse(inv.args)) {
    return usage_error(kCleanLogsCommand, *err);
  }

  std::vector<config::Diagnostic> env_problems;
  config::Environment env = config::Environment::from_process(inv.home, &env_problems);
  config::Fleet fleet = config::load_fleet(inv.home, env);

  logging::RetentionOptions options;
  options.retention_days = fleet.logs.retention_days;
  options.max_total_bytes = fleet.logs.max_total_bytes;
  options.dry_run = dry_run;
  if (settings_unreliable(fleet.problems, "logs")) {
    for (const auto& d : fleet.problems) {
      if (d.profile.empty() && d.file == "ccproxy.toml") {
        std::cerr << "ccproxy clean-logs: " << d.str() << "\n";
      }
    }
    if (days < 0) {
      std::cerr << "ccproxy clean-logs: the [logs] settings of ccproxy.toml are unknown; not "
                   "deleting by guessed settings (fix the file, or give --days N)\n";
      return kExitFailure;
    }
    // Only the explicit age rule: the size cap is unknown, and deleting less is the safe side.
    options.max_total_bytes = 0;
  }
  if (days >= 0) {
    options.retention_days = static_cast<int>(days);
  }

  const std::filesystem::path dir = inv.home.logs_dir();
  logging::CleanReport report =
      logging::clean_archives(dir, options, std::chrono::system_clock::now());
  const char* verb = dry_run ? "would remove" : "removed";
  for (const auto& r : report.removed) {
    std::cout << verb << " " << (dir.filename() / r.file.filename()).string() << ": "
              << bytes_text(r.bytes) << ", " << r.reason << "\n";
  }
  for (const auto& e : report.errors) {
    std::cerr << "ccproxy clean-logs: " << e << "\n";
  }
  if (!report.removed.empty()) {
    std::cout << (dry_run ? "would remove " : "removed ")
              << plural(report.removed.size(), "archive") << ", " << bytes_text(report.bytes)
              << "\n";
  }
  bool ledger_rows = false;
  const bool ledger_ok = clean_ledger(inv.home, fleet, dry_run, ledger_rows);
  if (report.removed.empty() && !ledger_rows && report.errors.empty() && ledger_ok) {
    std::cout << "nothing to clean\n";
  }
  return report.errors.empty() && ledger_ok ? kExitOk : kExitFailure;
}

}  // namespace

const Command kCleanLogsCommand{
    "clean-logs", "clean-logs [--days N] [--dry-run]",
    "delete archived logs and usage rows older than the retention (cron-safe)",
    "  --days N    delete archives older than N days (default: [logs] retention_days of\n"
    "              ccproxy.toml, 3); an archive's age is its modification time, and one\n"
    "              exactly N days old is kept\n"
    "  --dry-run   print what would be removed, remove nothing\n"
    "Then, while all archives together exceed [logs] max_total_mb, the oldest go.\n"
    "The usage ledger (usage.db) loses its rows older than [usage] retention_days (90; 0\n"
    "keeps them all); --days does not change that.\n"
    "Current logs (*.log) and files not named <name>.log.<YYYYmmdd-HHMMSS>[-n][.gz] are never\n"
    "touched. Exit 0 also when there is nothing to do; safe to run from cron, while the fleet\n"
    "runs and while another clean-logs runs.\n",
    run};

}  // namespace ccproxy::cmd
