#include "cmd/args.h"

#include <charconv>

namespace ccproxy::cmd {

ArgParser& ArgParser::flag(std::string name, bool* target, char short_name) {
  specs_.push_back({std::move(name), short_name, false, [target](const std::string&) {
                      *target = true;
                      return std::optional<std::string>{};
                    }});
  return *this;
}

ArgParser& ArgParser::option(std::string name, std::string* target, char short_name) {
  specs_.push_back({std::move(name), short_name, true, [target](const std::string& v) {
                      *target = v;
                      return std::optional<std::string>{};
                    }});
  return *this;
}

ArgParser& ArgParser::int_option(std::string name, int64_t* target, int64_t min, int64_t max,
                                 char short_name) {
  std::string label = "--" + name;
  specs_.push_back({std::move(name), short_name, true,
                    [target, min, max, label](const std::string& v) -> std::optional<std::string> {
                      int64_t n = 0;
                      auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
                      if (ec != std::errc() || end != v.data() + v.size()) {
                        return label + ": expected a whole number, got '" + v + "'";
                      }
                      if (n < min || n > max) {
                        return label + ": " + v + " is out of range (" + std::to_string(min) +
                               " to " + std::to_string(max) + ")";
                      }
                      *target = n;
                      return std::nullopt;
                    }});
  return *this;
}

ArgParser& ArgParser::positionals(std::vector<std::string>* target, std::size_t min,
                                  std::size_t max) {
  positionals_ = target;
  min_positionals_ = min;
  max_positionals_ = max;
  return *this;
}

const ArgParser::Spec* ArgParser::find_long(const std::string& name) const {
  for (const auto& s : specs_) {
    if (s.name == name) {
      return &s;
    }
  }
  return nullptr;
}

const ArgParser::Spec* ArgParser::find_short(char c) const {
  for (const auto& s : specs_) {
    if (s.short_name != 0 && s.short_name == c) {
      return &s;
    }
  }
  return nullptr;
}

std::optional<std::string> ArgParser::parse(const std::vector<std::string>& args) const {
  std::vector<std::string> words;
  bool only_words = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (only_words || a.size() < 2 || a[0] != '-') {
      words.push_back(a);
      continue;
    }
    if (a == "--") {
      only_words = true;
      continue;
    }
    const Spec* spec = nullptr;
    std::optional<std::string> inline_value;
    std::string shown;
    if (a.rfind("--", 0) == 0) {
      std::string name = a.substr(2);
      auto eq = name.find('=');
      if (eq != std::string::npos) {
        inline_value = name.substr(eq + 1);
        name.resize(eq);
      }
      spec = find_long(name);
      shown = "--" + name;
      if (spec == nullptr) {
        return "unknown flag " + shown;
      }
    } else {
      spec = find_short(a[1]);
      shown = a.substr(0, 2);
      if (spec == nullptr) {
        return "unknown flag " + shown;
      }
      if (a.size() > 2) {
        // -n50: a short option's value may follow it directly.
        if (!spec->takes_value) {
          return "unknown flag " + a;
        }
        inline_value = a.substr(2);
      }
    }
    std::string value;
    if (spec->takes_value) {
      if (inline_value) {
        value = *inline_value;
      } else if (i + 1 < args.size()) {
        value = args[++i];
      } else {
        return shown + " needs a value";
      }
    } else if (inline_value) {
      return shown + " takes no value";
    }
    if (auto err = spec->apply(value)) {
      return err;
    }
  }
  if (positionals_ == nullptr && !words.empty()) {
    return "unexpected argument '" + words.front() + "'";
  }
  if (positionals_ != nullptr) {
    if (words.size() < min_positionals_) {
      return "missing argument";
    }
    if (words.size() > max_positionals_) {
      return "too many arguments";
    }
    *positionals_ = std::move(words);
  }
  return std::nullopt;
}

}  // namespace ccproxy::cmd
