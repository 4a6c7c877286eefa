#include "cmd/command_spec.h"

#include <algorithm>
#include <sstream>

namespace ccproxy::cmd {
namespace {

bool is_option(const std::string& word) {
  return word.size() >= 2 && word[0] == '-' && word != "--";
}

std::string strip(std::string word) {
  while (!word.empty() && (word.front() == '[' || word.front() == '(')) {
    word.erase(word.begin());
  }
  while (!word.empty() && (word.back() == ']' || word.back() == ')' || word.back() == ',')) {
    word.pop_back();
  }
  if (auto eq = word.find('='); is_option(word) && eq != std::string::npos) {
    word.resize(eq);  // "--days=N" names the option
  }
  return word;
}

// Adds `names` with `value` unless an option of the same name is known (the first one wins).
void add_option(std::vector<OptionSpec>& options, std::vector<std::string> names, ValueSpec value) {
  for (auto& o : options) {
    for (const auto& n : names) {
      if (std::find(o.names.begin(), o.names.end(), n) != o.names.end()) {
        for (const auto& m : names) {  // "-n" known, "--lines" new: one option, two names
          if (std::find(o.names.begin(), o.names.end(), m) == o.names.end()) {
            o.names.push_back(m);
          }
        }
        if (o.value.kind == ValueKind::none) {
          o.value = value;
        }
        return;
      }
    }
  }
  options.push_back({std::move(names), std::move(value)});
}

// "start [NAME...] [--foreground]": options with their values, and the positional word.
void read_synopsis(std::string_view synopsis, CommandSpec& spec) {
  std::istringstream in{std::string(synopsis)};
  std::vector<std::string> raw;
  for (std::string w; in >> w;) {
    raw.push_back(w);
  }
  for (std::size_t i = 1; i < raw.size(); ++i) {  // raw[0] is the command's name
    std::string word = strip(raw[i]);
    if (word.empty()) {
      continue;
    }
    if (is_option(word)) {
      ValueSpec value;
      bool group_open = raw[i].back() != ']';
      if (group_open && i + 1 < raw.size() && raw[i + 1].front() != '[' &&
          !is_option(strip(raw[i + 1]))) {
        value = value_spec(strip(raw[++i]));
      }
      add_option(spec.options, {word}, value);
    } else if (spec.positional.kind == ValueKind::none) {
      spec.positional = value_spec(word);
    }
  }
}

// Help lines that start with an option: "  -n, --lines N   how many ...".
void read_help(std::string_view help, CommandSpec& spec) {
  std::istringstream in{std::string(help)};
  for (std::string line; std::getline(in, line);) {
    auto first = line.find_first_not_of(' ');
    if (first == std::string::npos || first == 0 || line[first] != '-') {
      continue;
    }
    auto end = line.find("  ", first);
    std::string head = line.substr(first, end == std::string::npos ? end : end - first);
    std::vector<std::string> names;
    ValueSpec value;
    std::istringstream words(head);
    for (std::string w; words >> w;) {
      w = strip(w);
      if (is_option(w)) {
        names.push_back(w);
      } else if (!names.empty() && !w.empty()) {
        value = value_spec(w);
      }
    }
    if (!names.empty()) {
      add_option(spec.options, names, value);
    }
  }
}

}  // namespace

ValueSpec value_spec(std::string word) {
  while (word.size() > 3 && word.ends_with("...")) {
    word.resize(word.size() - 3);
  }
  ValueSpec v;
  if (word.find('|') != std::string::npos) {
    v.kind = ValueKind::choice;
    std::istringstream in(word);
    for (std::string c; std::getline(in, c, '|');) {
      if (!c.empty()) {
        v.choices.push_back(c);
      }
    }
  } else if (word == "NAME") {
    v.kind = ValueKind::profile;
  } else if (word == "DIR") {
    v.kind = ValueKind::directory;
  } else if (word == "FILE" || word == "PATH") {
    v.kind = ValueKind::file;
  } else {
    v.kind = ValueKind::other;
  }
  return v;
}

CommandSpec describe(const Command& command) {
  CommandSpec spec;
  spec.name = command.name;
  spec.summary = command.summary;
  read_synopsis(command.synopsis, spec);
  read_help(command.help, spec);
  add_option(spec.options, {"-h", "--help"}, {});
  return spec;
}

std::vector<OptionSpec> global_options() {
  return {{{"--home"}, {ValueKind::directory, {}}}, {{"--version"}, {}}, {{"-h", "--help"}, {}}};
}

}  // namespace ccproxy::cmd
