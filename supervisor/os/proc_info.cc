#include "supervisor/os/proc_info.h"

#include <time.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

namespace ccproxy::supervisor {
namespace {

std::optional<std::string> slurp(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return std::nullopt;
  }
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string proc_path(int pid, const char* leaf) {
  return "/proc/" + std::to_string(pid) + "/" + leaf;
}

// The target of an exe link; a binary replaced on disk (an upgrade) reads as
// "<path> (deleted)", which is still that path. Empty when unreadable.
std::filesystem::path read_exe_link(const std::filesystem::path& link) {
  std::error_code ec;
  auto p = std::filesystem::read_symlink(link, ec);
  if (ec) {
    return {};
  }
  std::string s = p.string();
  const std::string deleted = " (deleted)";
  if (s.size() > deleted.size() &&
      s.compare(s.size() - deleted.size(), deleted.size(), deleted) == 0) {
    s.resize(s.size() - deleted.size());
  }
  return s;
}

}  // namespace

std::string display_cmdline(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& a : argv) {
    if (!out.empty()) {
      out += ' ';
    }
    out += a;
  }
  return out;
}

std::string current_boot_id() {
  static const std::string id = [] {
    auto text = slurp("/proc/sys/kernel/random/boot_id");
    std::string s = text.value_or("");
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) {
      s.pop_back();
    }
    return s;
  }();
  return id;
}

std::optional<StatFields> parse_stat(const std::string& text) {
  // The command name (field 2) is in parentheses and may itself contain ") ": fields after it
  // start at the last ')'.
  auto close = text.rfind(')');
  if (close == std::string::npos) {
    return std::nullopt;
  }
  std::istringstream rest(text.substr(close + 1));
  std::vector<std::string> fields;  // fields[0] is field 3 (state)
  std::string f;
  while (rest >> f) {
    fields.push_back(f);
  }
  if (fields.size() < 20 || fields[0].empty()) {
    return std::nullopt;
  }
  StatFields out;
  out.state = fields[0][0];
  try {
    out.start_time = std::stoull(fields[19]);  // field 22
  } catch (...) {
    return std::nullopt;
  }
  return out;
}

namespace {

// /proc/<pid>/stat, parsed; nullopt when the process is gone or the text does not parse.
std::optional<StatFields> read_stat(int pid) {
  auto stat = slurp(proc_path(pid, "stat"));
  if (!stat) {
    return std::nullopt;
  }
  return parse_stat(*stat);
}

}  // namespace

std::optional<ProcessIdentity> read_identity(int pid) {
  if (pid <= 0) {
    return std::nullopt;
  }
  auto fields = read_stat(pid);
  if (!fields) {
    return std::nullopt;
  }
  ProcessIdentity id;
  id.start_time = fields->start_time;
  id.boot_id = current_boot_id();
  auto cmdline = slurp(proc_path(pid, "cmdline"));
  if (cmdline) {
    std::string word;
    for (char c : *cmdline) {
      if (c == '\0') {
        id.cmdline.push_back(word);
        word.clear();
      } else {
        word += c;
      }
    }
    if (!word.empty()) {
      id.cmdline.push_back(word);
    }
  }
  id.exe = executable_of(pid).string();
  return id;
}

bool is_zombie(int pid) {
  auto fields = read_stat(pid);
  return fields && (fields->state == 'Z' || fields->state == 'X');
}

std::optional<std::chrono::seconds> process_uptime(int pid) {
  auto fields = read_stat(pid);
  if (!fields) {
    return std::nullopt;
  }
  long ticks = sysconf(_SC_CLK_TCK);
  timespec boottime{};
  if (ticks <= 0 || clock_gettime(CLOCK_BOOTTIME, &boottime) != 0) {
    return std::nullopt;
  }
  double since_boot = static_cast<double>(boottime.tv_sec) + boottime.tv_nsec / 1e9;
  double started = static_cast<double>(fields->start_time) / static_cast<double>(ticks);
  double up = since_boot - started;
  return std::chrono::seconds(up > 0 ? static_cast<long long>(up) : 0);
}

std::filesystem::path self_executable() {
  return read_exe_link("/proc/self/exe");
}

std::filesystem::path executable_of(int pid) {
  return read_exe_link(proc_path(pid, "exe"));
}

}  // namespace ccproxy::supervisor
