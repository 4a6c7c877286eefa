#include <iostream>

#include "cmd/args.h"
#include "cmd/command.h"

namespace ccproxy::cmd {
namespace {

int run(const Invocation& inv) {
  ArgParser parser;
  // TODO(owner): declare this command's flags here.
  if (auto err = parser.parse(inv.args)) {
    return usage_error(kReloadCommand, *err);
  }
  std::cerr << "ccproxy reload: not implemented yet\n";
  return kExitFailure;
}

}  // namespace

const Command kReloadCommand{"reload", "reload", "re-read profiles: start added, stop removed, restart changed", "", run};

}  // namespace ccproxy::cmd
