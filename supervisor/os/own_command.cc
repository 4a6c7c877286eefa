#include "supervisor/os/own_command.h"

#include <optional>

#include "supervisor/os/fleet_paths.h"

namespace ccproxy::supervisor {

namespace fs = std::filesystem;

namespace {

// The same directory: the same spelling, or both exist and are one.
bool same_dir(const std::string& a, const fs::path& b) {
  if (a == b.string()) {
    return true;
  }
  std::error_code ec;
  return fs::equivalent(a, b, ec) && !ec;
}

// Where the options before the command word end, and the --home they name (if any).
struct GlobalOptions {
  std::size_t command = 0;  // index of the command word
  std::optional<std::string> home;
};

GlobalOptions global_options(const std::vector<std::string>& argv) {
  GlobalOptions out;
  std::size_t i = 1;
  for (; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (a == "--home" && i + 1 < argv.size()) {
      out.home = argv[++i];
    } else if (a.rfind("--home=", 0) == 0) {
      out.home = a.substr(7);
    } else if (a.empty() || a[0] != '-') {
      break;
    }
  }
  out.command = i;
  return out;
}

}  // namespace

std::vector<std::string> worker_command(const fs::path& exe, const fs::path& home,
                                        const std::string& profile) {
  return {exe.string(), "--home", home.string(), "run", "--profile", profile};
}

bool runs_command(const ProcessIdentity& live, const std::vector<std::string>& expected) {
  if (expected.empty() || live.exe != expected[0] || live.cmdline.size() != expected.size()) {
    return false;
  }
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const bool home_value = i > 0 && expected[i - 1] == "--home";
    if (live.cmdline[i] != expected[i] && !(home_value && same_dir(live.cmdline[i], expected[i]))) {
      return false;
    }
  }
  return true;
}

bool runs_supervisor(const ProcessIdentity& live, const fs::path& exe, const fs::path& home) {
  if (exe.empty() || live.exe != exe.string()) {
    return false;
  }
  GlobalOptions opts = global_options(live.cmdline);
  if (opts.command >= live.cmdline.size()) {
    return false;
  }
  const std::string& command = live.cmdline[opts.command];
  if (command != "supervise" && command != "start") {
    return false;
  }
  return !opts.home || fs::path(*opts.home).is_relative() || same_dir(*opts.home, home);
}

bool runs_as_ours(const ProcessIdentity& live, const std::string& record_name,
                  const fs::path& home) {
  const fs::path exe = self_executable();
  if (record_name == kSupervisorRecord) {
    return runs_supervisor(live, exe, home);
  }
  return !exe.empty() && runs_command(live, worker_command(exe, home, record_name));
}

}  // namespace ccproxy::supervisor
