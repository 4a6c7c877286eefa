#include <iostream>

#include "cmd/args.h"
#include "cmd/command.h"

namespace ccproxy::cmd {
namespace {

int run(const Invocation& inv) {
  ArgParser parser;
  // TODO(owner): declare this command's flags here.
  if (auto err = parser.parse(inv.args)) {
    return usage_error(kRunCommand, *err);
  }
  std::cerr << "ccproxy run: not implemented yet\n";
  return kExitFailure;
}

}  // namespace

const Command kRunCommand{"run", "run --profile NAME", "run one worker in the foreground (what the supervisor spawns)", "", run};

}  // namespace ccproxy::cmd
