#include <iostream>

#include "cmd/args.h"
#include "cmd/command.h"

namespace ccproxy::cmd {
namespace {

int run(const Invocation& inv) {
  ArgParser parser;
  // TODO(owner): declare this command's flags here.
  if (auto err = parser.parse(inv.args)) {
    return usage_error(kCleanLogsCommand, *err);
  }
  std::cerr << "ccproxy clean-logs: not implemented yet\n";
  return kExitFailure;
}

}  // namespace

const Command kCleanLogsCommand{"clean-logs", "clean-logs [--days N] [--dry-run]", "delete archived logs older than the retention (cron-safe)", "", run};

}  // namespace ccproxy::cmd
