#include <iostream>

#include "cmd/args.h"
#include "cmd/command.h"

namespace ccproxy::cmd {
namespace {

int run(const Invocation& inv) {
  ArgParser parser;
  // TODO(owner): declare this command's flags here.
  if (auto err = parser.parse(inv.args)) {
    return usage_error(kStartCommand, *err);
  }
  std::cerr << "ccproxy start: not implemented yet\n";
  return kExitFailure;
}

}  // namespace

const Command kStartCommand{"start", "start [NAME...] [--foreground] [--takeover]", "start the fleet (or the named workers) and print the status table", "", run};

}  // namespace ccproxy::cmd
