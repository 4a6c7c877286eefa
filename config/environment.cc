#include "config/environment.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "config/dotenv.h"

extern char** environ;

namespace ccproxy::config {

Environment Environment::from_process(const Home& home, std::vector<Diagnostic>* problems) {
  Environment env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string_view entry(*e);
    auto eq = entry.find('=');
    if (eq == std::string_view::npos || eq == 0) {
      continue;
    }
    env.vars_.emplace(std::string(entry.substr(0, eq)), std::string(entry.substr(eq + 1)));
  }
  env.merge_dotenv(home.env_file(), ".env", problems);
  return env;
}

const std::string* Environment::get(const std::string& name) const {
  auto it = vars_.find(name);
  return it == vars_.end() ? nullptr : &it->second;
}

void Environment::merge_dotenv(const std::filesystem::path& file,
                               const std::filesystem::path& shown,
                               std::vector<Diagnostic>* problems) {
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) {
    return;
  }
  if (!std::filesystem::is_regular_file(file, ec)) {
    if (problems != nullptr) {
      problems->push_back({shown, 0, "", "not a regular file", ""});
    }
    return;
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    if (problems != nullptr) {
      problems->push_back({shown, 0, "", std::string("cannot read: ") + std::strerror(errno), ""});
    }
    return;
  }
  std::ostringstream text;
  text << in.rdbuf();
  DotenvFile parsed = parse_dotenv(text.str());
  if (problems != nullptr) {
    for (const auto& err : parsed.errors) {
      problems->push_back({shown, err.line, "", err.message, ""});
    }
  }
  // Within .env the last assignment wins, as in a shell.
  std::map<std::string, std::string> from_file;
  for (auto& e : parsed.entries) {
    from_file[e.name] = std::move(e.value);
  }
  for (auto& [name, value] : from_file) {
    vars_.emplace(name, std::move(value));  // keeps what is already set
  }
}

}  // namespace ccproxy::config
