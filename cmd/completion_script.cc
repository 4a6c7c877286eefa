#include "cmd/completion_script.h"

namespace ccproxy::cmd {
namespace {

std::string join(const std::vector<std::string>& words, std::string_view sep = " ") {
  std::string out;
  for (const auto& w : words) {
    out += (out.empty() ? "" : std::string(sep)) + w;
  }
  return out;
}

std::vector<std::string> option_names(const std::vector<OptionSpec>& options) {
  std::vector<std::string> out;
  for (const auto& o : options) {
    out.insert(out.end(), o.names.begin(), o.names.end());
  }
  return out;
}

// Single-quoted for any of the three shells ("it's" -> 'it'\''s'; fish reads \' inside '').
std::string shell_quoted(std::string_view text, bool fish = false) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') {
      out += fish ? "\\'" : "'\\''";
    } else if (fish && c == '\\') {
      out += "\\\\";
    } else {
      out += c;
    }
  }
  return out + "'";
}

// --- bash ----------------------------------------------------------------------------------

// COMPREPLY for a value of `spec` (the word being completed is $cur).
std::string bash_value(const ValueSpec& spec) {
  switch (spec.kind) {
    case ValueKind::profile:
      return "COMPREPLY=($(compgen -W \"$(_ccproxy_profiles)\" -- \"$cur\"))";
    case ValueKind::directory:
      return "COMPREPLY=($(compgen -d -- \"$cur\"))";
    case ValueKind::file:
      return "COMPREPLY=($(compgen -f -- \"$cur\"))";
    case ValueKind::choice:
      return "COMPREPLY=($(compgen -W " + shell_quoted(join(spec.choices)) + " -- \"$cur\"))";
    case ValueKind::other:
    case ValueKind::none:
      break;
  }
  return "COMPREPLY=()";
}

// The case arms for options that take a value: "--profile) COMPREPLY=...; return ;;".
std::string bash_option_values(const std::vector<OptionSpec>& options, const std::string& indent) {
  std::string out;
  for (const auto& o : options) {
    if (o.value.kind != ValueKind::none) {
      out += indent + join(o.names, "|") + ") " + bash_value(o.value) + "; return ;;\n";
    }
  }
  return out;
}

std::string bash_command_arm(const CommandSpec& c) {
  std::string out = "    " + c.name + ")\n";
  std::string values = bash_option_values(c.options, "        ");
  if (!values.empty()) {
    out += "      case \"$prev\" in\n" + values + "      esac\n";
  }
  std::string opts = shell_quoted(join(option_names(c.options)));
  if (c.positional.kind == ValueKind::none || c.positional.kind == ValueKind::other) {
    out += "      COMPREPLY=($(compgen -W " + opts + " -- \"$cur\")) ;;\n";
  } else {
    out += "      if [[ $cur == -* ]]; then\n        COMPREPLY=($(compgen -W " + opts +
           " -- \"$cur\"))\n      else\n        " + bash_value(c.positional) + "\n      fi ;;\n";
  }
  return out;
}

// --- zsh -----------------------------------------------------------------------------------

std::string zsh_value(const ValueSpec& spec) {
  switch (spec.kind) {
    case ValueKind::profile:
      return "compadd -- $(_ccproxy_profiles)";
    case ValueKind::directory:
      return "_files -/";
    case ValueKind::file:
      return "_files";
    case ValueKind::choice:
      return "compadd -- " + join(spec.choices);
    case ValueKind::other:
    case ValueKind::none:
      break;
  }
  return ":";
}

std::string zsh_command_arm(const CommandSpec& c) {
  std::string out = "    " + c.name + ")\n";
  std::string values;
  for (const auto& o : c.options) {
    if (o.value.kind != ValueKind::none) {
      values += "        " + join(o.names, "|") + ") " + zsh_value(o.value) + "; return ;;\n";
    }
  }
  if (!values.empty()) {
    out += "      case $prev in\n" + values + "      esac\n";
  }
  std::string opts = "compadd -- " + join(option_names(c.options));
  if (c.positional.kind == ValueKind::none || c.positional.kind == ValueKind::other) {
    out += "      " + opts + " ;;\n";
  } else {
    out += "      if [[ $cur == -* ]]; then " + opts + "; else " + zsh_value(c.positional) +
           "; fi ;;\n";
  }
  return out;
}

// --- fish ----------------------------------------------------------------------------------

std::string fish_value(const ValueSpec& spec) {
  switch (spec.kind) {
    case ValueKind::profile:
      return " -f -a '(__ccproxy_profiles)'";
    case ValueKind::directory:
      return " -f -a '(__fish_complete_directories)'";
    case ValueKind::file:
      return " -F";
    case ValueKind::choice:
      return " -f -a " + shell_quoted(join(spec.choices), true);
    case ValueKind::other:
    case ValueKind::none:
      break;
  }
  return " -f";
}

std::string fish_option(const OptionSpec& o, const std::string& condition) {
  std::string out = "complete -c ccproxy -n " + condition;
  for (const auto& n : o.names) {
    out += n.starts_with("--") ? " -l " + n.substr(2) : " -s " + n.substr(1);
  }
  if (o.value.kind != ValueKind::none) {
    out += " -r" + fish_value(o.value);
  }
  return out + "\n";
}

}  // namespace

std::string bash_completion(const std::vector<CommandSpec>& commands) {
  std::vector<std::string> names;
  for (const auto& c : commands) {
    names.push_back(c.name);
  }
  std::string out =
      "# bash completion for ccproxy; generated by `ccproxy completion bash` from its commands.\n"
      "# Profile names come from --home DIR on the command line, else $CCPROXY_HOME, else the\n"
      "# current directory.\n"
      "_ccproxy_home() {\n"
      "  local home=${CCPROXY_HOME:-.} i\n"
      "  for ((i = 1; i < COMP_CWORD; i++)); do\n"
      "    case ${COMP_WORDS[i]} in\n"
      "      --home)\n"
      "        if [[ ${COMP_WORDS[i+1]} == = ]]; then home=${COMP_WORDS[i+2]}; else "
      "home=${COMP_WORDS[i+1]}; fi ;;\n"
      "      --home=*) home=${COMP_WORDS[i]#--home=} ;;\n"
      "    esac\n"
      "  done\n"
      "  [[ $home == \"~\"* ]] && home=$HOME${home:1}\n"
      "  printf '%s\\n' \"$home\"\n"
      "}\n"
      "_ccproxy_profiles() {\n"
      "  local f home\n"
      "  home=$(_ccproxy_home)\n"
      "  for f in \"$home\"/profiles/*.toml; do\n"
      "    [[ -f $f ]] || continue\n"
      "    f=${f##*/}\n"
      "    printf '%s\\n' \"${f%.toml}\"\n"
      "  done\n"
      "}\n"
      "_ccproxy() {\n"
      "  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]} cmd= i\n"
      "  [[ $prev == = && $COMP_CWORD -ge 2 ]] && prev=${COMP_WORDS[COMP_CWORD-2]}\n"
      "  [[ $cur == = ]] && cur=\n"
      "  for ((i = 1; i < COMP_CWORD; i++)); do\n"
      "    case ${COMP_WORDS[i]} in\n"
      "      --home) [[ ${COMP_WORDS[i+1]} == = ]] && ((i++)); ((i++)) ;;\n"
      "      -*) ;;\n"
      "      *) cmd=${COMP_WORDS[i]}; break ;;\n"
      "    esac\n"
      "  done\n"
      "  case $cmd in\n"
      "    '')\n"
      "      case $prev in\n" +
      bash_option_values(global_options(), "        ") +
      "      esac\n"
      "      if [[ $cur == -* ]]; then\n"
      "        COMPREPLY=($(compgen -W " +
      shell_quoted(join(option_names(global_options()))) +
      " -- \"$cur\"))\n"
      "      else\n"
      "        COMPREPLY=($(compgen -W " +
      shell_quoted(join(names)) +
      " -- \"$cur\"))\n"
      "      fi ;;\n";
  for (const auto& c : commands) {
    out += bash_command_arm(c);
  }
  out +=
      "  esac\n"
      "}\n"
      "complete -F _ccproxy ccproxy\n";
  return out;
}

std::string zsh_completion(const std::vector<CommandSpec>& commands) {
  std::string described;
  for (const auto& c : commands) {
    std::string item = c.name + ":" + c.summary;
    described += "    " + shell_quoted(item) + "\n";
  }
  std::string out =
      "#compdef ccproxy\n"
      "# zsh completion for ccproxy; generated by `ccproxy completion zsh` from its commands.\n"
      "# Profile names come from --home DIR on the command line, else $CCPROXY_HOME, else the\n"
      "# current directory.\n"
      "_ccproxy_profiles() {\n"
      "  local home=${CCPROXY_HOME:-.} i f\n"
      "  for ((i = 2; i < CURRENT; i++)); do\n"
      "    case ${words[i]} in\n"
      "      --home) home=${words[i+1]} ;;\n"
      "      --home=*) home=${words[i]#--home=} ;;\n"
      "    esac\n"
      "  done\n"
      "  [[ $home == \"~\"* ]] && home=$HOME${home:1}\n"
      "  for f in $home/profiles/*.toml(N); do print -r -- ${${f:t}%.toml}; done\n"
      "}\n"
      "_ccproxy() {\n"
      "  local cur=${words[CURRENT]} prev=${words[CURRENT-1]} cmd= i\n"
      "  local -a commands\n"
      "  commands=(\n" +
      described +
      "  )\n"
      "  for ((i = 2; i < CURRENT; i++)); do\n"
      "    case ${words[i]} in\n"
      "      --home) ((i++)) ;;\n"
      "      -*) ;;\n"
      "      *) cmd=${words[i]}; break ;;\n"
      "    esac\n"
      "  done\n"
      "  case $cmd in\n"
      "    '')\n"
      "      case $prev in\n"
      "        --home) _files -/; return ;;\n"
      "      esac\n"
      "      if [[ $cur == -* ]]; then compadd -- " +
      join(option_names(global_options())) +
      "; else _describe -t commands 'ccproxy command' commands; fi ;;\n";
  for (const auto& c : commands) {
    out += zsh_command_arm(c);
  }
  out +=
      "  esac\n"
      "}\n"
      "if [[ ${zsh_eval_context[-1]} == loadautofunc ]]; then\n"
      "  _ccproxy \"$@\"\n"
      "else\n"
      "  compdef _ccproxy ccproxy\n"
      "fi\n";
  return out;
}

std::string fish_completion(const std::vector<CommandSpec>& commands) {
  std::string out =
      "# fish completion for ccproxy; generated by `ccproxy completion fish` from its commands.\n"
      "# Profile names come from --home DIR on the command line, else $CCPROXY_HOME, else the\n"
      "# current directory.\n"
      "function __ccproxy_command --description 'the ccproxy command word typed so far'\n"
      "    set -l tokens (commandline -opc)\n"
      "    set -e tokens[1]\n"
      "    set -l skip 0\n"
      "    for t in $tokens\n"
      "        if test $skip = 1\n"
      "            set skip 0\n"
      "            continue\n"
      "        end\n"
      "        switch $t\n"
      "            case --home\n"
      "                set skip 1\n"
      "            case '-*'\n"
      "            case '*'\n"
      "                echo $t\n"
      "                return 0\n"
      "        end\n"
      "    end\n"
      "    return 1\n"
      "end\n"
      "function __ccproxy_is --description 'true when the ccproxy command is $argv[1]'\n"
      "    set -l command (__ccproxy_command); or return 1\n"
      "    test \"$command\" = $argv[1]\n"
      "end\n"
      "function __ccproxy_profiles --description 'profile names of the home'\n"
      "    set -l tokens (commandline -opc)\n"
      "    set -l home .\n"
      "    set -q CCPROXY_HOME; and set home $CCPROXY_HOME\n"
      "    for i in (seq (count $tokens))\n"
      "        switch $tokens[$i]\n"
      "            case --home\n"
      "                set -l j (math $i + 1)\n"
      "                test $j -le (count $tokens); and set home $tokens[$j]\n"
      "            case '--home=*'\n"
      "                set home (string replace -- --home= '' $tokens[$i])\n"
      "        end\n"
      "    end\n"
      "    for f in $home/profiles/*.toml\n"
      "        basename $f .toml\n"
      "    end\n"
      "end\n"
      "complete -c ccproxy -f\n";
  for (const auto& o : global_options()) {
    out += fish_option(o, "'not __ccproxy_command'");
  }
  for (const auto& c : commands) {
    out += "complete -c ccproxy -n 'not __ccproxy_command' -a " + c.name + " -d " +
           shell_quoted(c.summary, true) + "\n";
  }
  for (const auto& c : commands) {
    std::string condition = shell_quoted("__ccproxy_is " + c.name, true);
    for (const auto& o : c.options) {
      out += fish_option(o, condition);
    }
    if (c.positional.kind != ValueKind::none && c.positional.kind != ValueKind::other) {
      out += "complete -c ccproxy -n " + condition + fish_value(c.positional) + "\n";
    }
  }
  return out;
}

std::optional<std::string> completion_script(std::string_view shell,
                                             const std::vector<CommandSpec>& commands) {
  if (shell == "bash") {
    return bash_completion(commands);
  }
  if (shell == "zsh") {
    return zsh_completion(commands);
  }
  if (shell == "fish") {
    return fish_completion(commands);
  }
  return std::nullopt;
}

}  // namespace ccproxy::cmd
