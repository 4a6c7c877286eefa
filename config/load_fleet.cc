// load_fleet: ccproxy.toml, then every profiles/*.toml over its [defaults], then the checks
// across profiles. Every problem is collected; nothing stops at the first.

#include <algorithm>
#include <map>
#include <set>

#include "config/fleet_settings.h"
#include "config/profile.h"
#include "config/profile_reader.h"
#include "config/toml_file.h"
#include "config/validate.h"

namespace ccproxy::config {

Fleet load_fleet(const Home& home, const Environment& env) {
  Fleet fleet;
  std::vector<Diagnostic>& problems = fleet.problems;

  std::error_code home_ec;
  if (!std::filesystem::is_directory(home.root, home_ec)) {
    const bool exists = std::filesystem::exists(home.root, home_ec);
    problems.push_back({"", 0, "",
                        "the home directory " + home.root.string() +
                            (exists ? " is not a directory" : " does not exist") +
                            " (it comes from --home, else $CCPROXY_HOME, else the current "
                            "directory)",
                        ""});
    return fleet;
  }

  std::optional<toml::table> home_doc;
  const toml::table* defaults = nullptr;
  std::error_code ec;
  if (std::filesystem::exists(home.defaults_file(), ec)) {
    home_doc = parse_toml_file(home.defaults_file(), "ccproxy.toml", "", &problems);
    if (home_doc) {
      ReadContext ctx{&problems, &env, "", "ccproxy.toml"};
      read_fleet_settings(ctx, *home_doc, fleet.logs, fleet.supervisor);
      if (const auto* node = home_doc->get("defaults")) {
        defaults = node->as_table();
      }
    }
  }

  // The profile files, in name order so that problems come out in a stable order.
  std::vector<std::filesystem::path> files;
  const std::filesystem::path dir = home.profiles_dir();
  if (!std::filesystem::is_directory(dir, ec)) {
    problems.push_back(
        {"profiles", 0, "", "no profiles directory (expected " + dir.string() + ")", ""});
  } else {
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
  }

  struct PortOwner {
    std::filesystem::path file;
    int line = 0;
  };
  std::map<uint16_t, PortOwner> ports;
  for (const auto& file : files) {
    const std::string name = file.stem().string();
    const std::filesystem::path shown = std::filesystem::path("profiles") / file.filename();
    if (auto err = check_profile_name(name)) {
      problems.push_back({shown, 0, "", *err, name});
      continue;
    }
    auto doc = parse_toml_file(file, shown, name, &problems);
    if (!doc) {
      continue;
    }
    ReadContext ctx{&problems, &env, name, shown};
    ProfileRead read = read_profile(ctx, home, *doc, defaults);
    if (read.port) {
      auto [it, inserted] = ports.emplace(*read.port, PortOwner{shown, read.port_line});
      if (!inserted) {
        std::string other = it->second.file.generic_string();
        if (it->second.line > 0) {
          other += ":" + std::to_string(it->second.line);
        }
        problems.push_back({shown, read.port_line, "port",
                            std::to_string(*read.port) + " is also used by " + other, name});
      }
    }
    if (read.profile) {
      read.profile->file = std::filesystem::absolute(file).lexically_normal();
      fleet.profiles.push_back(std::move(*read.profile));
    }
  }

  // Values from ccproxy.toml are read once per profile; say each problem once.
  std::set<std::string> seen;
  std::vector<Diagnostic> unique;
  for (auto& d : problems) {
    if (seen.insert(d.str()).second) {
      unique.push_back(std::move(d));
    }
  }
  problems = std::move(unique);
  // Grouped by file and in line order, as a compiler would print them.
  std::stable_sort(problems.begin(), problems.end(), [](const Diagnostic& a, const Diagnostic& b) {
    if (a.file != b.file) {
      return a.file < b.file;
    }
    return a.line < b.line;
  });

  std::stable_sort(
      fleet.profiles.begin(), fleet.profiles.end(),
      [](const Profile& a, const Profile& b) { return a.worker.port < b.worker.port; });
  return fleet;
}

}  // namespace ccproxy::config
