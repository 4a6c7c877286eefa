#include <iostream>

#include "cmd/args.h"
#include "cmd/command.h"

namespace ccproxy::cmd {
namespace {

int run(const Invocation& inv) {
  ArgParser parser;
  // TODO(owner): declare this command's flags here.
  if (auto err = parser.parse(inv.args)) {
    return usage_error(kRestartCommand, *err);
  }
  std::cerr << "ccproxy restart: not implemented yet\n";
  return kExitFailure;
}

}  // namespace

const Command kRestartCommand{"restart", "restart [NAME...]", "restart workers one at a time, each ready before the next", "", run};

}  // namespace ccproxy::cmd
