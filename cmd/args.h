#pragma once
// A small declarative argument parser for subcommands: flags, valued options (--n 5, --n=5,
// -n 5), integer ranges and positional words. parse() returns the first problem as text.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace ccproxy::cmd {

class ArgParser {
 public:
  /// --name (and -s when short_name is given) sets *target to true.
  ArgParser& flag(std::string name, bool* target, char short_name = 0);
  /// --name VALUE / --name=VALUE.
  ArgParser& option(std::string name, std::string* target, char short_name = 0);
  /// --name N with N an integer in [min, max].
  ArgParser& int_option(std::string name, int64_t* target, int64_t min, int64_t max,
                        char short_name = 0);
  /// Words that are not options; between min and max of them.
  ArgParser& positionals(std::vector<std::string>* target, std::size_t min, std::size_t max);

  /// nullopt on success, else e.g. "unknown flag --foo" or "--days: expected a number".
  std::optional<std::string> parse(const std::vector<std::string>& args) const;

 private:
  struct Spec {
    std::string name;
    char short_name = 0;
    bool takes_value = false;
    std::function<std::optional<std::string>(const std::string&)> apply;
  };
  const Spec* find_long(const std::string& name) const;
  const Spec* find_short(char c) const;

  std::vector<Spec> specs_;
  std::vector<std::string>* positionals_ = nullptr;
  std::size_t min_positionals_ = 0;
  std::size_t max_positionals_ = 0;
};

}  // namespace ccproxy::cmd
