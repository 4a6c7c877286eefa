#pragma once
// Variables for ${VAR} in profiles: the process environment, then the home's .env.

#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "config/diagnostic.h"
#include "config/home.h"

namespace ccproxy::config {

/// Variables for ${VAR}: the process environment wins over the home's .env.
class Environment {
 public:
  /// The process environment, then the home's .env for names not set there. Problems in .env
  /// (a line that is not NAME=VALUE) go to `problems`; a missing .env is fine.
  static Environment from_process(const Home& home, std::vector<Diagnostic>* problems);
  void set(std::string name, std::string value) { vars_[std::move(name)] = std::move(value); }
  /// Adds the NAME=VALUE lines of `file` whose names are not set yet (so what is already set
  /// wins). `shown` is the path used in diagnostics (".env").
  void merge_dotenv(const std::filesystem::path& file, const std::filesystem::path& shown,
                    std::vector<Diagnostic>* problems);
  const std::string* get(const std::string& name) const;
  const std::map<std::string, std::string>& all() const { return vars_; }

 private:
  std::map<std::string, std::string> vars_;
};

}  // namespace ccproxy::config
