#include <iostream>

#include "cmd/args.h"
#include "cmd/command.h"

namespace ccproxy::cmd {
namespace {

int run(const Invocation& inv) {
  ArgParser parser;
  // TODO(owner): declare this command's flags here.
  if (auto err = parser.parse(inv.args)) {
    return usage_error(kCheckCommand, *err);
  }
  std::cerr << "ccproxy check: not implemented yet\n";
  return kExitFailure;
}

}  // namespace

const Command kCheckCommand{"check", "check", "validate every profile and say what is wrong", "", run};

}  // namespace ccproxy::cmd
