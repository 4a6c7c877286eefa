// load_fleet: ccproxy.toml, then every profiles/*.toml over its [defaults], then the checks
// across profiles. Every problem is collected; nothing stops at the first.

#include "config/load_fleet.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "config/fleet_settings.h"
#include "config/profile_reader.h"
#include "config/toml_file.h"
#include "config/validate.h"

namespace ccproxy::config {
namespace {

// Nothing else can be read when the home is not a directory.
bool check_home_directory(const Home& home, std::vector<Diagnostic>& problems) {
  std::error_code ec;
  if (std::filesystem::is_directory(home.root, ec)) {
    return true;
  }
  const bool exists = std::filesystem::exists(home.root, ec);
  problems.push_back({"", 0, "",
                      "the home directory " + home.root.string() +
                          (exists ? " is not a directory" : " does not exist") +
                          " (it comes from --home, else $CCPROXY_HOME, else the current "
                          "directory)",
                      ""});
  return false;
}

// ccproxy.toml, when there is one: its [logs] and [supervisor] go into `fleet`. The document
// is returned because its [defaults] table is the lower layer of every profile.
std::optional<toml::table> read_home_file(const Home& home, const Environment& env, Fleet& fleet) {
  std::error_code ec;
  if (!std::filesystem::exists(home.defaults_file(), ec)) {
    return std::nullopt;
  }
  auto doc = parse_toml_file(home.defaults_file(), "ccproxy.toml", "", &fleet.problems);
  if (doc) {
    ReadContext ctx{&fleet.problems, &env, "", "ccproxy.toml"};
    read_fleet_settings(ctx, *doc, fleet.logs, fleet.supervisor, fleet.usage);
  }
  return doc;
}

const toml::table* defaults_table(const std::optional<toml::table>& home_doc) {
  if (!home_doc) {
    return nullptr;
  }
  const auto* node = home_doc->get("defaults");
  return node == nullptr ? nullptr : node->as_table();
}

// The profile files, in name order so that problems come out in a stable order.
std::vector<std::filesystem::path> list_profile_files(const Home& home,
                                                      std::vector<Diagnostic>& problems) {
  std::vector<std::filesystem::path> files;
  const std::filesystem::path dir = home.profiles_dir();
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    problems.push_back(
        {"profiles", 0, "", "no profiles directory (expected " + dir.string() + ")", ""});
    return files;
  }
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.path().extension() != ".toml") {
      continue;
    }
    std::error_code file_ec;
    if (entry.is_regular_file(file_ec)) {
      files.push_back(entry.path());
    } else {
      // A directory or a dangling symlink named like a profile: say so, never skip silently.
      problems.push_back({std::filesystem::path("profiles") / entry.path().filename(), 0, "",
                          "not a regular file", entry.path().stem().string()});
    }
  }
  if (ec) {
    problems.push_back({"profiles", 0, "", "cannot list: " + ec.message(), ""});
  }
  std::sort(files.begin(), files.end());
  if (files.empty() && !ec) {
    problems.push_back({"profiles", 0, "",
                        "no profiles: add profiles/<name>.toml, or convert a legacy .env file "
                        "with 'ccproxy import-env FILE'",
                        ""});
  }
  return files;
}

// The ports taken so far; a second profile on a port names the file and line of the first.
class PortClaims {
 public:
  void claim(const ProfileRead& read, const std::filesystem::path& shown, const std::string& name,
             std::vector<Diagnostic>& problems) {
    if (!read.port) {
      return;
    }
    auto [it, inserted] = owners_.emplace(*read.port, Owner{shown, read.port_line});
    if (inserted) {
      return;
    }
    std::string other = it->second.file.generic_string();
    if (it->second.line > 0) {
      other += ':';
      other += std::to_string(it->second.line);
    }
    problems.push_back({shown, read.port_line, "port",
                        std::to_string(*read.port) + " is also used by " + other, name});
  }

 private:
  struct Owner {
    std::filesystem::path file;
    int line = 0;
  };
  std::map<uint16_t, Owner> owners_;
};

// One profiles/<name>.toml: its name, its TOML, its settings over `defaults`, its port.
void load_profile_file(const std::filesystem::path& file, const toml::table* defaults,
                       const Home& home, const Environment& env, PortClaims& ports, Fleet& fleet,
                       const ProfileText* edit) {
  const std::string name = file.stem().string();
  const std::filesystem::path shown = std::filesystem::path("profiles") / file.filename();
  if (auto err = check_profile_name(name)) {
    fleet.problems.push_back({shown, 0, "", *err, name});
    return;
  }
  auto doc = edit != nullptr && edit->name == name
                 ? parse_toml_text(edit->text, shown, name, &fleet.problems)
                 : parse_toml_file(file, shown, name, &fleet.problems);
  if (!doc) {
    return;
  }
  ReadContext ctx{&fleet.problems, &env, name, shown};
  ProfileRead read = read_profile(ctx, home, *doc, defaults);
  ports.claim(read, shown, name, fleet.problems);
  if (read.profile) {
    read.profile->file = std::filesystem::absolute(file).lexically_normal();
    fleet.profiles.push_back(std::move(*read.profile));
  }
}

// Values from ccproxy.toml are read once per profile: each problem is said once, grouped by
// file and in line order, as a compiler would print them.
void tidy_problems(std::vector<Diagnostic>& problems) {
  std::set<std::string> seen;
  std::vector<Diagnostic> unique;
  for (auto& d : problems) {
    if (seen.insert(d.str()).second) {
      unique.push_back(std::move(d));
    }
  }
  problems = std::move(unique);
  std::stable_sort(problems.begin(), problems.end(), [](const Diagnostic& a, const Diagnostic& b) {
    if (a.file != b.file) {
      return a.file < b.file;
    }
    return a.line < b.line;
  });
}

}  // namespace

Fleet load_fleet(const Home& home, const Environment& env) {
  return load_fleet(home, env, ProfileText{});
}

Fleet load_fleet(const Home& home, const Environment& env, const ProfileText& edit) {
  Fleet fleet;
  if (!check_home_directory(home, fleet.problems)) {
    return fleet;
  }
  const std::optional<toml::table> home_doc = read_home_file(home, env, fleet);
  const toml::table* defaults = defaults_table(home_doc);
  PortClaims ports;
  for (const auto& file : list_profile_files(home, fleet.problems)) {
    load_profile_file(file, defaults, home, env, ports, fleet, &edit);
  }
  tidy_problems(fleet.problems);
  std::stable_sort(
      fleet.profiles.begin(), fleet.profiles.end(),
      [](const Profile& a, const Profile& b) { return a.worker.port < b.worker.port; });
  return fleet;
}

}  // namespace ccproxy::config
