#pragma once
// Shell completion scripts for bash, zsh and fish, written from the command table
// (command_spec.h). Profile names come from the home named on the command line (--home DIR),
// else $CCPROXY_HOME, else the current directory: the scripts list its profiles/*.toml.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cmd/command_spec.h"

namespace ccproxy::cmd {

std::string bash_completion(const std::vector<CommandSpec>& commands);
std::string zsh_completion(const std::vector<CommandSpec>& commands);
std::string fish_completion(const std::vector<CommandSpec>& commands);

/// The script for "bash", "zsh" or "fish"; nullopt for another shell.
std::optional<std::string> completion_script(std::string_view shell,
                                             const std::vector<CommandSpec>& commands);

}  // namespace ccproxy::cmd
