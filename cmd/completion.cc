// ccproxy completion bash|zsh|fish: print the shell completion script (what the package
// installs), written from the command table.

#include <iostream>

#include "cmd/args.h"
#include "cmd/command.h"
#include "cmd/completion_script.h"

namespace ccproxy::cmd {
namespace {

std::vector<CommandSpec> visible_command_specs() {
  std::vector<CommandSpec> out;
  for (const auto& c : all_commands()) {
    if (!c.hidden) {
      out.push_back(describe(c));
    }
  }
  return out;
}

int run(const Invocation& inv) {
  std::vector<std::string> words;
  ArgParser parser;
  parser.positionals(&words, 1, 1);
  if (auto err = parser.parse(inv.args)) {
    return usage_error(kCompletionCommand,
                       *err == "missing argument" ? "which shell? (bash, zsh or fish)" : *err);
  }
  auto script = completion_script(words[0], visible_command_specs());
  if (!script) {
    return usage_error(kCompletionCommand,
                       "no completion for '" + words[0] + "' (bash, zsh or fish)");
  }
  std::cout << *script;
  return std::cout.flush() ? kExitOk : kExitFailure;
}

}  // namespace

const Command kCompletionCommand{
    "completion", "completion bash|zsh|fish", "print the shell completion script",
    "Prints a completion script for bash, zsh or fish: commands, their options and, from the\n"
    "home (--home DIR on the command line, else $CCPROXY_HOME, else the current directory),\n"
    "profile names. The Debian package installs them; by hand:\n"
    "  bash: ccproxy completion bash > ~/.local/share/bash-completion/completions/ccproxy\n"
    "  zsh:  ccproxy completion zsh > \"${fpath[1]}/_ccproxy\"\n"
    "  fish: ccproxy completion fish > ~/.config/fish/completions/ccproxy.fish\n",
    run};

}  // namespace ccproxy::cmd
