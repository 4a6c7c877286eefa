// ccproxy: parse the global options, dispatch to one command, return its exit code.

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "cmd/command.h"
#include "common/text.h"

namespace ccproxy::cmd {

const std::vector<Command>& all_commands() {
  static const std::vector<Command> commands = {
      kStartCommand,      kStopCommand,      kRestartCommand,    kStatusCommand,    kReloadCommand,
      kModelCommand,      kRunCommand,       kLogsCommand,       kCleanLogsCommand, kCheckCommand,
      kImportEnvCommand,  kUsageCommand,     kStatuslineCommand, kInitCommand,      kTopCommand,
      kCompletionCommand, kSuperviseCommand,
  };
  return commands;
}

int usage_error(const Command& command, std::string_view message) {
  std::cerr << "ccproxy " << command.name << ": " << message << "\n"
            << "usage: ccproxy [--home DIR] " << command.synopsis << "\n"
            << "run 'ccproxy " << command.name << " --help' for its options\n";
  return kExitUsage;
}

namespace {

void print_usage(std::ostream& out) {
  out << "usage: ccproxy [--home DIR] <command> [options]\n\n"
         "Anthropic Messages API proxy for Claude Code, one worker per profile and port.\n\n"
         "commands:\n";
  for (const auto& c : all_commands()) {
    if (!c.hidden) {
      std::string name(c.name);
      name.resize(12, ' ');
      out << "  " << name << c.summary << "\n";
    }
  }
  out << "\nglobal options:\n"
         "  --home DIR   the fleet's directory (default: $CCPROXY_HOME, else the current dir)\n"
         "  --version    print the version\n"
         "  -h, --help   this help; `ccproxy COMMAND --help` for one command\n";
}

// After a mistake: one usage line and where to find more, not the whole help.
void print_short_usage(std::ostream& out) {
  out << "usage: ccproxy [--home DIR] <command> [options]\n"
         "run 'ccproxy --help' for the list of commands\n";
}

// " (did you mean status?)" for a near miss, else "".
std::string suggestion(const std::string& word) {
  ;
  std::vector<std::string> best;
  std::size_t best_distance = 3;
  for (const auto& c : all_commands()) {
    if (c.hidden) {
      continue;
    }
    std::size_t d = c.name.starts_with(word) && word.size() >= 2 ? 1 : edit_distance(word, c.name);
    if (d >= 3 || d * 2 >= c.name.size()) {
      continue;  // too far to be a typo
    }
    if (d < best_distance) {
      best_distance = d;
      best.clear();
    }
    if (d == best_distance) {
      best.emplace_back(c.name);
    }
  }
  if (best.empty() || best.size() > 3) {
    return "";
  }
  std::string out = " (did you mean ";
  for (std::size_t i = 0; i < best.size(); ++i) {
    out += i == 0 ? "" : (i + 1 == best.size() ? " or " : ", ");
    out += best[i];
  }
  return out + "?)";
}

bool wants_help(const std::vector<std::string>& args) {
  for (const auto& a : args) {
    if (a == "--") {
      return false;
    }
    if (a == "--help" || a == "-h") {
      return true;
    }
  }
  return false;
}

}  // namespace

int main_impl(int argc, char** argv) {
  std::vector<std::string> argv_words(argv + 1, argv + argc);
  std::optional<std::filesystem::path> home_flag;
  std::size_t i = 0;
  for (; i < argv_words.size(); ++i) {
    const std::string& a = argv_words[i];
    if (a == "--home") {
      if (i + 1 >= argv_words.size()) {
        std::cerr << "ccproxy: --home needs a directory\n";
        print_short_usage(std::cerr);
        return kExitUsage;
      }
      home_flag = argv_words[++i];
    } else if (a.rfind("--home=", 0) == 0) {
      home_flag = a.substr(7);
    } else if (a == "--help" || a == "-h") {
      print_usage(std::cout);
      return kExitOk;
    } else if (a == "--version") {
      std::cout << "ccproxy " << CCPROXY_VERSION << "\n";
      return kExitOk;
    } else if (!a.empty() && a[0] == '-') {
      std::cerr << "ccproxy: unknown flag " << a << "\n";
      print_short_usage(std::cerr);
      return kExitUsage;
    } else {
      break;
    }
  }
  if (i >= argv_words.size()) {
    std::cerr << "ccproxy: missing command\n";
    print_short_usage(std::cerr);
    return kExitUsage;
  }
  const std::string& name = argv_words[i];
  const Command* command = nullptr;
  for (const auto& c : all_commands()) {
    if (c.name == name) {
      command = &c;
    }
  }
  if (command == nullptr) {
    std::cerr << "ccproxy: unknown command '" << name << "'" << suggestion(name) << "\n";
    print_short_usage(std::cerr);
    return kExitUsage;
  }
  Invocation inv;
  inv.program = argv[0];
  inv.args.assign(argv_words.begin() + static_cast<std::ptrdiff_t>(i) + 1, argv_words.end());
  if (wants_help(inv.args)) {
    std::cout << "usage: ccproxy [--home DIR] " << command->synopsis << "\n\n"
              << command->summary << "\n";
    if (!command->help.empty()) {
      std::cout << "\n" << command->help;
      if (command->help.back() != '\n') {
        std::cout << "\n";
      }
    }
    return kExitOk;
  }
  inv.home = config::Home::resolve(home_flag);
  return command->run(inv);
}

}  // namespace ccproxy::cmd

int main(int argc, char** argv) {
  try {
    return ccproxy::cmd::main_impl(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "ccproxy: " << e.what() << "\n";
    return ccproxy::cmd::kExitFailure;
  }
}
