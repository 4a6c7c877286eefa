#include <iostream>

#include "cmd/args.h"
#include "cmd/command.h"

namespace ccproxy::cmd {
namespace {

int run(const Invocation& inv) {
  ArgParser parser;
  // TODO(owner): declare this command's flags here.
  if (auto err = parser.parse(inv.args)) {
    return usage_error(kSuperviseCommand, *err);
  }
  std::cerr << "ccproxy supervise: not implemented yet\n";
  return kExitFailure;
}

}  // namespace

const Command kSuperviseCommand{"supervise", "supervise", "(internal) the resident supervisor", "", run, true};

}  // namespace ccproxy::cmd
