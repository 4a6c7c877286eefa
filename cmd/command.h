#pragma once
// A subcommand: its name, help text and entry point. main() only parses the global options,
// finds the command and returns its exit code; each command lives in its own file.

#include <string>
#include <string_view>
#include <vector>

#include "config/home.h"

namespace ccproxy::cmd {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitNotHealthy = 3;  // status: some profile is not healthy (LSB style)

struct Invocation {
  config::Home home;
  std::string program;            // argv[0] as given, for re-executing ourselves
  std::vector<std::string> args;  // the words after the command name
};

struct Command {
  std::string_view name;
  std::string_view synopsis;  // e.g. "start [NAME...] [--foreground] [--takeover]"
  std::string_view summary;   // one line for the command list
  std::string_view help;      // the options and behaviour, for `ccproxy CMD --help`
  int (*run)(const Invocation&);
  bool hidden = false;  // internal commands (not listed in usage)
};

/// Every command, in the order `ccproxy --help` lists them.
const std::vector<Command>& all_commands();

/// Prints "ccproxy CMD: <message>" and the command's usage line to stderr; returns kExitUsage.
int usage_error(const Command& command, std::string_view message);

// One per file under cmd/.
extern const Command kStartCommand;
extern const Command kStopCommand;
extern const Command kRestartCommand;
extern const Command kStatusCommand;
extern const Command kReloadCommand;
extern const Command kModelCommand;
extern const Command kRunCommand;
extern const Command kCleanLogsCommand;
extern const Command kLogsCommand;
extern const Command kCheckCommand;
extern const Command kImportEnvCommand;
extern const Command kUsageCommand;
extern const Command kStatuslineCommand;
extern const Command kInitCommand;
extern const Command kTopCommand;
extern const Command kCompletionCommand;
extern const Command kSuperviseCommand;  // hidden: the resident supervisor process

}  // namespace ccproxy::cmd
