#include <iostream>

#include "cmd/args.h"
#include "cmd/command.h"

namespace ccproxy::cmd {
namespace {

int run(const Invocation& inv) {
  ArgParser parser;
  // TODO(owner): declare this command's flags here.
  if (auto err = parser.parse(inv.args)) {
    return usage_error(kImportEnvCommand, *err);
  }
  std::cerr << "ccproxy import-env: not implemented yet\n";
  return kExitFailure;
}

}  // namespace

const Command kImportEnvCommand{"import-env", "import-env FILE... [--force]", "convert legacy .env proxy files to profiles", "", run};

}  // namespace ccproxy::cmd
