// ccproxy supervise (hidden): the resident supervisor process that `ccproxy start` launches.

#include "cmd/args.h"
#include "cmd/command.h"
#include "supervisor/supervisor_process.h"

namespace ccproxy::cmd {
namespace {

int run(const Invocation& inv) {
  bool foreground = false;
  ArgParser parser;
  parser.flag("foreground", &foreground);
  if (auto err = parser.parse(inv.args)) {
    return usage_error(kSuperviseCommand, *err);
  }
  return supervisor::run_supervisor({inv.home, foreground, false, {}});
}

}  // namespace

const Command kSuperviseCommand{
    "supervise", "supervise [--foreground]", "(internal) the resident supervisor", "", run, true};

}  // namespace ccproxy::cmd
