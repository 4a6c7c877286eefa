#pragma once
// Profiles: one TOML file per worker (profiles/<name>.toml), defaults from ccproxy.toml,
// ${VAR} values from the environment and the home's .env. Loading never throws: every
// problem becomes a Diagnostic, so `ccproxy check` can print all of them at once.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "worker/worker_config.h"

namespace ccproxy::config {

/// The fleet's directory: --home, else $CCPROXY_HOME, else the current directory.
struct Home {
  std::filesystem::path root;

  std::filesystem::path profiles_dir() const { return root / "profiles"; }
  std::filesystem::path logs_dir() const { return root / "logs"; }
  std::filesystem::path pids_dir() const { return root / "pids"; }
  std::filesystem::path defaults_file() const { return root / "ccproxy.toml"; }
  std::filesystem::path env_file() const { return root / ".env"; }

  static Home resolve(const std::optional<std::filesystem::path>& flag);
};

/// One problem, printed as "profiles/glm.toml:7: upstream.base_url: not a URL".
struct Diagnostic {
  std::filesystem::path file;  // relative to the home where possible
  int line = 0;                // 0 when unknown
  std::string key;             // dotted key, may be empty
  std::string message;
  /// The profile the problem belongs to; empty for fleet-wide ones (ccproxy.toml, .env,
  /// profiles/ itself), which concern every profile.
  std::string profile;

  std::string str() const;
};

/// Log handling for every worker and the supervisor ([logs] in ccproxy.toml).
struct LogSettings {
  std::uint64_t rotate_bytes = 50ull << 20;    // size cap of the current file
  bool rotate_daily = true;                    // at local midnight
  bool compress = false;                       // gzip archives
  int retention_days = 3;                      // archives older than this are deleted
  std::uint64_t max_total_bytes = 1ull << 30;  // all archives of the home together
};

/// Fleet policy ([supervisor] in ccproxy.toml).
struct SupervisorSettings {
  std::chrono::milliseconds start_timeout{15'000};
  std::chrono::milliseconds stop_timeout{10'000};  // drain time before SIGKILL
  std::chrono::milliseconds health_interval{5'000};
  int health_failures = 3;  // consecutive failed probes before a restart
  std::chrono::milliseconds backoff_initial{1'000};
  std::chrono::milliseconds backoff_max{30'000};
  std::chrono::milliseconds healthy_reset{60'000};  // healthy this long resets the backoff
  int max_failures = 5;                             // within failure_window -> fatal
  std::chrono::milliseconds failure_window{120'000};
};

struct Profile {
  std::string name;             // file stem
  std::filesystem::path file;   // absolute path of the profile
  worker::WorkerConfig worker;  // everything the worker needs, secrets resolved
  std::string log_level = "info";
  /// Changes whenever any effective setting changes (reload restarts only those).
  std::string fingerprint;
};

struct Fleet {
  /// Sorted by port. Holds the profiles that loaded without a problem of their own; a
  /// cross-profile problem (a duplicate port) keeps both profiles here but is in `problems`.
  std::vector<Profile> profiles;
  LogSettings logs;
  SupervisorSettings supervisor;
  std::vector<Diagnostic> problems;  // empty when everything is valid

  bool ok() const { return problems.empty(); }
  const Profile* find(const std::string& name) const;
  /// The problems that stop `name` from running: its own, the fleet-wide ones, and a port
  /// clash with a later profile that names `name`'s file.
  std::vector<Diagnostic> problems_of(const std::string& name) const;
};

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

/// Loads ccproxy.toml (optional) and every profiles/*.toml; validates each and across them
/// (duplicate ports name both files).
Fleet load_fleet(const Home& home, const Environment& env);

}  // namespace ccproxy::config
