// Completion specs are read from a command's synopsis and help.

#include "cmd/command_spec.h"

#include <gtest/gtest.h>

#include "cmd/completion_script.h"

namespace ccproxy::cmd {
namespace {

int no_run(const Invocation&) {
  return 0;
}

const OptionSpec* find(const CommandSpec& spec, const std::string& name) {
  for (const auto& o : spec.options) {
    for (const auto& n : o.names) {
      if (n == name) {
        return &o;
      }
    }
  }
  return nullptr;
}

TEST(CommandSpec, ReadsOptionsValuesAndPositionalsFromTheSynopsis) {
  Command c{"run", "run --profile NAME [--port N] [--log-stderr] [--dir DIR]", "one worker", "",
            no_run};
  CommandSpec s = describe(c);
  EXPECT_EQ(s.name, "run");
  ASSERT_NE(find(s, "--profile"), nullptr);
  EXPECT_EQ(find(s, "--profile")->value.kind, ValueKind::profile);
  EXPECT_EQ(find(s, "--port")->value.kind, ValueKind::other);
  EXPECT_EQ(find(s, "--log-stderr")->value.kind, ValueKind::none);
  EXPECT_EQ(find(s, "--dir")->value.kind, ValueKind::directory);
  EXPECT_NE(find(s, "--help"), nullptr);
  EXPECT_EQ(s.positional.kind, ValueKind::none);  // NAME belongs to --profile
}

TEST(CommandSpec, PositionalsAndChoices) {
  CommandSpec logs = describe({"logs", "logs [NAME] [-f] [-n N]", "", "", no_run});
  EXPECT_EQ(logs.positional.kind, ValueKind::profile);
  EXPECT_EQ(find(logs, "-n")->value.kind, ValueKind::other);
  EXPECT_EQ(find(logs, "-f")->value.kind, ValueKind::none);
  CommandSpec imp = describe({"import-env", "import-env FILE... [--force]", "", "", no_run});
  EXPECT_EQ(imp.positional.kind, ValueKind::file);
  CommandSpec comp = describe({"completion", "completion bash|zsh|fish", "", "", no_run});
  EXPECT_EQ(comp.positional.kind, ValueKind::choice);
  EXPECT_EQ(comp.positional.choices, (std::vector<std::string>{"bash", "zsh", "fish"}));
}

TEST(CommandSpec, HelpLinesAddLongNamesToShortOptions) {
  CommandSpec s = describe({"logs", "logs [-f] [-n N]", "",
                            "  -n, --lines N   how many lines\n"
                            "  -f, --follow    keep printing\n"
                            "  --since DATE    not in the synopsis\n"
                            "NAME at the start of a line is prose\n"
                            "  - a dash alone is prose too\n",
                            no_run});
  const OptionSpec* n = find(s, "--lines");
  ASSERT_NE(n, nullptr);
  EXPECT_EQ(n, find(s, "-n"));  // one option, two names
  EXPECT_EQ(n->value.kind, ValueKind::other);
  EXPECT_EQ(find(s, "--follow"), find(s, "-f"));
  ASSERT_NE(find(s, "--since"), nullptr);
  EXPECT_EQ(find(s, "--since")->value.kind, ValueKind::other);
  EXPECT_EQ(find(s, "-"), nullptr);
}

TEST(CompletionScript, EveryCommandHasItsArmInEachShell) {
  std::vector<CommandSpec> specs = {
      describe({"start", "start [NAME...] [--foreground]", "go", "", no_run}),
      describe({"usage", "usage [--since DATE]", "tokens", "", no_run})};
  std::string bash = bash_completion(specs);
  std::string zsh = zsh_completion(specs);
  std::string fish = fish_completion(specs);
  for (const char* name : {"start", "usage"}) {
    EXPECT_NE(bash.find(std::string(" ") + name + ")\n"), std::string::npos) << name;
    EXPECT_NE(zsh.find(std::string(" ") + name + ")\n"), std::string::npos) << name;
    EXPECT_NE(fish.find(std::string("-a ") + name + " -d"), std::string::npos) << name;
  }
  EXPECT_NE(bash.find("'start usage'"), std::string::npos);
  EXPECT_NE(bash.find("'--since -h --help'"), std::string::npos);
  EXPECT_NE(fish.find("-n '__ccproxy_is usage' -l since -r -f"), std::string::npos);
  EXPECT_FALSE(completion_script("tcsh", specs).has_value());
}

TEST(CompletionScript, QuotesSummariesForEachShell) {
  std::vector<CommandSpec> specs = {describe({"x", "x", "it's here", "", no_run})};
  EXPECT_NE(zsh_completion(specs).find("'x:it'\\''s here'"), std::string::npos);
  EXPECT_NE(fish_completion(specs).find("-d 'it\\'s here'"), std::string::npos);
}

}  // namespace
}  // namespace ccproxy::cmd
