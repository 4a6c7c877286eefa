// ccproxy logs [NAME] [-f] [-n N]: recent lines of one log or of all of them, following
// across rotations like `tail -F`.

#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <iostream>
#include <memory>
#include <set>

#include "cmd/args.h"
#include "cmd/command.h"
#include "logging/archive_name.h"
#include "logging/line_merge.h"
#include "logging/log_follower.h"
#include "logging/tail_reader.h"

namespace ccproxy::cmd {
namespace {

namespace fs = std::filesystem;

constexpr const char* kSupervisorLog = "ccproxy";
constexpr long kPollMillis = 200;

volatile std::sig_atomic_t g_stop = 0;

void on_stop_signal(int) {
  g_stop = 1;
}

void install_signal_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: the sleep between polls ends at once
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);
  // A closed pipe (`ccproxy logs -f | head`) shows up as EPIPE on write: end quietly.
  ::signal(SIGPIPE, SIG_IGN);
}

// Writes everything to stdout; false when the reader is gone.
bool write_out(const std::string& text) {
  const char* p = text.data();
  std::size_t n = text.size();
  while (n > 0) {
    ssize_t w = ::write(STDOUT_FILENO, p, n);
    if (w < 0) {
      if (errno == EINTR) {
        continue;
      }
      return false;
    }
    p += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}

// Profiles (profiles/*.toml) and current logs (logs/*.log) by name, plus the supervisor's.
// Listing files rather than loading the fleet: logs must be readable while a profile is broken.
std::set<std::string> known_names(const config::Home& home) {
  std::set<std::string> names{kSupervisorLog};
  std::error_code ec;
  for (const auto& [dir, ext] : {std::pair{home.profiles_dir(), std::string(".toml")},
                                 std::pair{home.logs_dir(), std::string(".log")}}) {
    fs::directory_iterator it(dir, ec);
    if (ec) {
      continue;
    }
    for (; it != fs::directory_iterator(); it.increment(ec)) {
      if (ec) {
        break;
      }
      const fs::path& p = it->path();
      if (p.extension() == ext && logging::is_log_stem(p.stem().string())) {
        names.insert(p.stem().string());
      }
    }
  }
  return names;
}

// The newest archive of `stem`, for lines from just before the last rotation.
std::optional<fs::path> newest_archive(const fs::path& dir, const std::string& stem) {
  std::optional<fs::path> best;
  std::pair<std::string, int> best_key;
  std::error_code ec;
  fs::directory_iterator it(dir, ec);
  if (ec) {
    return best;
  }
  for (; it != fs::directory_iterator(); it.increment(ec)) {
    if (ec) {
      break;
    }
    auto name = logging::parse_archive_name(it->path().filename().string());
    if (!name || name->stem != stem) {
      continue;
    }
    std::pair<std::string, int> key{name->stamp, name->suffix};
    if (!best || key > best_key) {
      best = it->path();
      best_key = key;
    }
  }
  return best;
}

// The last n lines of a log: the current file, topped up from the newest archive when the
// current file was rotated recently. With a follower, its start position is after these.
std::vector<std::string> recent_lines(const fs::path& dir, const std::string& stem, std::size_t n,
                                      logging::LogFollower* follower) {
  std::vector<std::string> lines;
  if (follower != nullptr) {
    lines = follower->start(n);
  } else if (auto r = logging::last_lines(dir / (stem + ".log"), n); r) {
    lines = std::move(r).value();
  }
  if (lines.size() < n) {
    if (auto archive = newest_archive(dir, stem)) {
      if (auto older = logging::last_lines(*archive, n - lines.size()); older) {
        lines.insert(lines.begin(), older->begin(), older->end());
      }
    }
  }
  return lines;
}

// Prints merged lines, prefixed with the log's name when there are several.
bool print_lines(const std::vector<std::vector<std::string>>& per_source,
                 const std::vector<std::string>& names, std::size_t limit) {
  std::vector<logging::SourcedLine> merged = logging::merge_by_time(per_source);
  std::size_t skip = merged.size() > limit ? merged.size() - limit : 0;
  std::size_t width = 0;
  for (const auto& n : names) {
    width = std::max(width, n.size());
  }
  std::string out;
  for (std::size_t i = skip; i < merged.size(); ++i) {
    if (names.size() > 1) {
      std::string label = names[merged[i].source];
      label.resize(width, ' ');
      out += label;
      out += " | ";
    }
    out += merged[i].text;
    out += '\n';
  }
  return write_out(out);
}

void sleep_poll_interval() {
  struct timespec ts {};
  ts.tv_nsec = kPollMillis * 1'000'000;
  ::nanosleep(&ts, nullptr);  // a signal cuts it short
}

int run(const Invocation& inv) {
  bool follow = false;
  int64_t count = 50;
  std::vector<std::string> words;
  ArgParser parser;
  parser.flag("follow", &follow, 'f')
      .int_option("lines", &count, 0, 1'000'000, 'n')
      .positionals(&words, 0, 1);
  if (auto err = parser.parse(inv.args)) {
    return usage_error(kLogsCommand, *err);
  }
  const fs::path dir = inv.home.logs_dir();
  std::set<std::string> known = known_names(inv.home);
  std::vector<std::string> names;
  if (!words.empty()) {
    const std::string& name = words[0];
    if (!logging::is_log_stem(name) || known.count(name) == 0) {
      std::string list;
      for (const auto& k : known) {
        list += (list.empty() ? "" : ", ") + k;
      }
      return usage_error(kLogsCommand,
                         "no profile or log named '" + name + "' (known: " + list + ")");
    }
    names.push_back(name);
  } else {
    names.assign(known.begin(), known.end());
  }
  const std::size_t n = static_cast<std::size_t>(count);

  if (!follow) {
    std::vector<std::vector<std::string>> per_source;
    bool any = false;
    for (const auto& name : names) {
      any = any || fs::exists(dir / (name + ".log"));
      per_source.push_back(recent_lines(dir, name, n, nullptr));
    }
    if (!any && names.size() == 1) {
      std::cerr << "ccproxy logs: " << (dir / (names[0] + ".log")).string()
                << " does not exist yet\n";
    }
    print_lines(per_source, names, n);
    return kExitOk;
  }

  install_signal_handlers();
  std::vector<std::unique_ptr<logging::LogFollower>> followers;
  std::vector<std::vector<std::string>> per_source;
  for (const auto& name : names) {
    followers.push_back(std::make_unique<logging::LogFollower>(dir / (name + ".log")));
    per_source.push_back(recent_lines(dir, name, n, followers.back().get()));
  }
  if (!print_lines(per_source, names, n)) {
    return kExitOk;
  }
  while (g_stop == 0) {
    sleep_poll_interval();
    per_source.clear();
    for (auto& f : followers) {
      per_source.push_back(f->poll());
      for (const auto& e : f->take_events()) {
        std::cerr << "ccproxy logs: " << e << "\n";
      }
    }
    if (!print_lines(per_source, names, SIZE_MAX)) {
      break;
    }
  }
  return kExitOk;
}

}  // namespace

const Command kLogsCommand{
    "logs", "logs [NAME] [-f] [-n N]", "show recent log lines of one or all workers; -f follows",
    "  NAME            a profile, or `ccproxy` for the supervisor (default: all, each line\n"
    "                  prefixed with its name and merged by time)\n"
    "  -n, --lines N   how many lines to show first (default 50)\n"
    "  -f, --follow    keep printing new lines, across rotations and truncation, also for\n"
    "                  logs that do not exist yet, until Ctrl-C\n",
    run};

}  // namespace ccproxy::cmd
