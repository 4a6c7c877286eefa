#include <iostream>

#include "cmd/args.h"
#include "cmd/command.h"

namespace ccproxy::cmd {
namespace {

int run(const Invocation& inv) {
  ArgParser parser;
  // TODO(owner): declare this command's flags here.
  if (auto err = parser.parse(inv.args)) {
    return usage_error(kStopCommand, *err);
  }
  std::cerr << "ccproxy stop: not implemented yet\n";
  return kExitFailure;
}

}  // namespace

const Command kStopCommand{"stop", "stop [NAME...]", "stop the named workers, or all of them and the supervisor", "", run};

}  // namespace ccproxy::cmd
