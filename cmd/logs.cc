#include <iostream>

#include "cmd/args.h"
#include "cmd/command.h"

namespace ccproxy::cmd {
namespace {

int run(const Invocation& inv) {
  ArgParser parser;
  // TODO(owner): declare this command's flags here.
  if (auto err = parser.parse(inv.args)) {
    return usage_error(kLogsCommand, *err);
  }
  std::cerr << "ccproxy logs: not implemented yet\n";
  return kExitFailure;
}

}  // namespace

const Command kLogsCommand{"logs", "logs [NAME] [-f] [-n N]", "show recent log lines of one or all workers; -f follows", "", run};

}  // namespace ccproxy::cmd
