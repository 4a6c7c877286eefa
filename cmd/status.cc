#include <iostream>

#include "cmd/args.h"
#include "cmd/command.h"

namespace ccproxy::cmd {
namespace {

int run(const Invocation& inv) {
  ArgParser parser;
  // TODO(owner): declare this command's flags here.
  if (auto err = parser.parse(inv.args)) {
    return usage_error(kStatusCommand, *err);
  }
  std::cerr << "ccproxy status: not implemented yet\n";
  return kExitFailure;
}

}  // namespace

const Command kStatusCommand{"status", "status [--json]", "one table of every profile: port, pid, state, health, models", "", run};

}  // namespace ccproxy::cmd
