#pragma once
// What the shell completions know of a command, read from its synopsis and help text (the
// command table is the only source: a new command completes with no extra work).
//
// Options are the words starting with '-' in the synopsis ("[-n N]", "--profile NAME") and in
// the help's option lines ("  -n, --lines N   ..."). A value word after an option says what it
// takes: NAME a profile name, DIR a directory, FILE or PATH a file, "a|b|c" one of those words,
// anything else (N, DAYS) a value nothing can complete. The first other word of the synopsis is
// the positional argument, read the same way.

#include <string>
#include <vector>

#include "cmd/command.h"

namespace ccproxy::cmd {

enum class ValueKind { none, profile, directory, file, choice, other };

struct ValueSpec {
  ValueKind kind = ValueKind::none;
  std::vector<std::string> choices;  // for ValueKind::choice
};

struct OptionSpec {
  std::vector<std::string> names;  // "-n", "--lines"
  ValueSpec value;                 // kind none: a flag
};

struct CommandSpec {
  std::string name;
  std::string summary;
  std::vector<OptionSpec> options;  // --help included
  ValueSpec positional;             // kind none: takes no words
};

/// The kind of a value word: "NAME", "DIR", "FILE...", "bash|zsh|fish".
ValueSpec value_spec(std::string word);

CommandSpec describe(const Command& command);

/// The options before the command: --home DIR, --version, -h/--help.
std::vector<OptionSpec> global_options();

}  // namespace ccproxy::cmd
