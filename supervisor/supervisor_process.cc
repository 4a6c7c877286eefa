#include "supervisor/supervisor_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <spdlog/logger.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "logging/log_file.h"
#include "logging/retention.h"
#include "supervisor/control/control_channel.h"
#include "supervisor/fleet_paths.h"
#include "supervisor/fleet_supervisor.h"
#include "supervisor/os/pid_file.h"
#include "supervisor/os/supervisor_lock.h"

namespace ccproxy::supervisor {

namespace {

int g_signal_pipe[2] = {-1, -1};

void on_signal(int sig) {
  int saved = errno;
  unsigned char b = static_cast<unsigned char>(sig);
  if (g_signal_pipe[1] >= 0) {
    (void)!::write(g_signal_pipe[1], &b, 1);
  }
  errno = saved;
}

void install_signals() {
  if (::pipe2(g_signal_pipe, O_CLOEXEC | O_NONBLOCK) != 0) {
    return;
  }
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  for (int sig : {SIGTERM, SIGINT, SIGHUP, SIGCHLD}) {
    ::sigaction(sig, &sa, nullptr);
  }
  ::signal(SIGPIPE, SIG_IGN);
}

std::shared_ptr<spdlog::logger> open_logger(const config::Home& home, const config::Fleet& fleet,
                                            bool foreground) {
  std::shared_ptr<spdlog::logger> logger;
  try {
    logging::LogFileOptions o;
    o.dir = home.logs_dir();
    o.name = "ccproxy";
    o.policy.max_bytes = fleet.logs.rotate_bytes;
    o.policy.daily = fleet.logs.rotate_daily;
    o.policy.compress = fleet.logs.compress;
    o.policy.retention_days = fleet.logs.retention_days;
    o.policy.max_total_bytes = fleet.logs.max_total_bytes;
    // In the background our stdout/stderr are the log file already: keep them pointed at the
    // current file across rotations.
    o.redirect_stdio = !foreground;
    logger = logging::open_log_file(o);
    if (foreground) {
      logger->sinks().push_back(std::make_shared<spdlog::sinks::stderr_sink_mt>());
    }
  } catch (const std::exception& e) {
    std::cerr << "ccproxy supervise: cannot open logs/ccproxy.log (" << e.what()
              << "); logging to stderr\n";
    logger = std::make_shared<spdlog::logger>("ccproxy",
                                              std::make_shared<spdlog::sinks::stderr_sink_mt>());
  }
  logger->flush_on(spdlog::level::trace);
  return logger;
}

nlohmann::json names_json(const std::vector<std::string>& v) {
  return nlohmann::json(v);
}

std::vector<std::string> names_of(const nlohmann::json& req) {
  std::vector<std::string> out;
  if (req.contains("names") && req["names"].is_array()) {
    for (const auto& n : req["names"]) {
      if (n.is_string()) {
        out.push_back(n.get<std::string>());
      }
    }
  }
  return out;
}

}  // namespace

std::vector<WorkerSpec> worker_specs(const config::Fleet& fleet) {
  std::vector<WorkerSpec> out;
  for (const auto& p : fleet.profiles) {
    WorkerSpec s;
    s.name = p.name;
    s.host = p.worker.host;
    s.port = p.worker.port;
    s.fingerprint = p.fingerprint;
    out.push_back(std::move(s));
  }
  return out;
}

config::Fleet load_home_fleet(const config::Home& home) {
  std::vector<config::Diagnostic> env_problems;
  auto env = config::Environment::from_process(home, &env_problems);
  config::Fleet fleet = config::load_fleet(home, env);
  fleet.problems.insert(fleet.problems.begin(), env_problems.begin(), env_problems.end());
  return fleet;
}

int run_supervisor(const SupervisorOptions& options) {
  const config::Home& home = options.home;
  std::error_code ec;
  std::filesystem::create_directories(home.pids_dir(), ec);
  std::filesystem::create_directories(home.logs_dir(), ec);
  ::chmod(home.pids_dir().c_str(), 0700);

  auto lock = SupervisorLock::try_acquire(lock_path(home));
  if (!lock) {
    std::cerr << "ccproxy supervise: " << lock.error() << "\n";
    return 1;
  }
  if (!lock.value()) {
    std::cerr << "ccproxy supervise: a supervisor already runs for " << home.root.string() << "\n";
    return 1;
  }

  config::Fleet fleet = load_home_fleet(home);
  auto logger = open_logger(home, fleet, options.foreground);
  auto log = [logger](const std::string& line) { logger->info(line); };
  log("supervisor starting (pid " + std::to_string(::getpid()) + ", home " + home.root.string() +
      ")");
  for (const auto& d : fleet.problems) {
    logger->warn("profile problem: " + d.str());
  }

  // Retention at supervisor start (issue 6).
  {
    logging::RetentionOptions r;
    r.retention_days = fleet.logs.retention_days;
    r.max_total_bytes = fleet.logs.max_total_bytes;
    auto report = logging::clean_archives(home.logs_dir(), r, std::chrono::system_clock::now());
    for (const auto& rm : report.removed) {
      log("log retention: removed " + rm.file.filename().string() + " (" + rm.reason + ")");
    }
    for (const auto& e : report.errors) {
      logger->warn("log retention: " + e);
    }
  }

  PidRecord self;
  self.pid = ::getpid();
  self.profile = kSupervisorRecord;
  if (auto id = read_identity(self.pid)) {
    self.identity = *id;
  }
  if (auto w = write_pid_file(supervisor_pid_path(home), self); !w) {
    logger->warn(w.error());
  }

  ControlServer server;
  if (auto l = server.listen(socket_path(home)); !l) {
    logger->error(l.error());
    std::filesystem::remove(supervisor_pid_path(home), ec);
    return 1;
  }
  install_signals();

  SteadyClock clock;
  RealProcessTable procs;
  ProcListenerLookup listeners;
  HttpHealthProber prober;
  FleetOptions fo;
  fo.settings = fleet.supervisor;
  fo.pids_dir = home.pids_dir();
  const std::filesystem::path exe = self_executable();
  fo.spawn_spec = [&home, exe](const WorkerSpec& spec) {
    SpawnSpec s;
    s.argv = {exe.string(), "--home", home.root.string(), "run", "--profile", spec.name};
    s.log_file = worker_log_path(home, spec.name);
    return s;
  };
  fo.log = log;
  FleetSupervisor fleet_sup(FleetDeps{procs, clock, listeners, prober}, fo);
  fleet_sup.set_profiles(worker_specs(fleet), false);
  fleet_sup.adopt_running();

  bool exiting = false;
  auto begin_exit = [&](const std::string& why) {
    if (!exiting) {
      log(why + ": stopping every worker, then exiting");
      exiting = true;
    }
    fleet_sup.stop({});
  };

  auto reload = [&]() -> nlohmann::json {
    config::Fleet next = load_home_fleet(home);
    if (!next.ok()) {
      nlohmann::json problems = nlohmann::json::array();
      for (const auto& d : next.problems) {
        problems.push_back(d.str());
        logger->warn("reload refused: " + d.str());
      }
      return {{"ok", false},
              {"error", "profiles have problems; nothing changed"},
              {"problems", problems}};
    }
    fleet_sup.set_settings(next.supervisor);
    auto diff = fleet_sup.set_profiles(worker_specs(next), true);
    log("reload: " + std::to_string(diff.added.size()) + " added, " +
        std::to_string(diff.removed.size()) + " removed, " + std::to_string(diff.changed.size()) +
        " changed");
    return {{"ok", true},
            {"added", names_json(diff.added)},
            {"removed", names_json(diff.removed)},
            {"changed", names_json(diff.changed)}};
  };

  auto handle = [&](const nlohmann::json& req) -> nlohmann::json {
    std::string op = req.value("op", "");
    if (op == "status") {
      nlohmann::json workers = nlohmann::json::array();
      for (const auto& v : fleet_sup.view()) {
        workers.push_back(to_json(v));
      }
      return {{"ok", true},
              {"pid", ::getpid()},
              {"settled", fleet_sup.settled()},
              {"exiting", exiting},
              {"workers", workers}};
    }
    if (exiting) {
      return {{"ok", false}, {"error", "the supervisor is shutting down"}};
    }
    if (op == "start") {
      // Profiles created since the supervisor started are picked up here (parsed only when a
      // file we do not know appeared: start is on the hot path).
      bool unknown = false;
      for (const auto& n : names_of(req)) {
        unknown = unknown || !fleet_sup.has(n);
      }
      std::error_code dir_ec;
      for (const auto& e : std::filesystem::directory_iterator(home.profiles_dir(), dir_ec)) {
        if (e.path().extension() == ".toml" && !fleet_sup.has(e.path().stem().string())) {
          unknown = true;
        }
      }
      if (unknown) {
        config::Fleet next = load_home_fleet(home);
        std::vector<WorkerSpec> added;
        for (const auto& s : worker_specs(next)) {
          if (!fleet_sup.has(s.name)) {
            added.push_back(s);
          }
        }
        if (!added.empty()) {
          fleet_sup.add_profiles(added);
        }
      }
      std::set<std::string> takeover;
      for (const auto& n : req.value("takeover", std::vector<std::string>{})) {
        takeover.insert(n);
      }
      auto out = fleet_sup.start(names_of(req), takeover);
      return {{"ok", out.unknown.empty()},
              {"already_running", names_json(out.already_running)},
              {"started", names_json(out.started)},
              {"unknown", names_json(out.unknown)}};
    }
    if (op == "stop") {
      auto names = names_of(req);
      if (names.empty()) {
        begin_exit("stop requested for every worker");
        return {{"ok", true}, {"exiting", true}};
      }
      auto stopped = fleet_sup.stop(names);
      return {{"ok", true}, {"stopping", names_json(stopped)}};
    }
    if (op == "restart") {
      auto names = fleet_sup.restart(names_of(req));
      return {{"ok", true}, {"restarting", names_json(names)}};
    }
    if (op == "reload") {
      return reload();
    }
    return {{"ok", false}, {"error", "unknown op '" + op + "'"}};
  };

  if (options.start_now) {
    auto out = fleet_sup.start(options.names, {});
    for (const auto& n : out.unknown) {
      logger->warn("start: no profile named " + n);
    }
  }

  while (true) {
    fleet_sup.tick();
    if (exiting && fleet_sup.all_down()) {
      break;
    }
    auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(fleet_sup.next_tick_in());
    pollfd fds[2] = {{server.fd(), POLLIN, 0}, {g_signal_pipe[0], POLLIN, 0}};
    int n = ::poll(fds, 2, static_cast<int>(std::max<long long>(wait.count(), 1)));
    if (n < 0 && errno != EINTR) {
      logger->error(std::string("poll: ") + std::strerror(errno));
      break;
    }
    if (fds[1].revents & POLLIN) {
      unsigned char sigs[64];
      ssize_t got = ::read(g_signal_pipe[0], sigs, sizeof(sigs));
      for (ssize_t i = 0; i < got; ++i) {
        int sig = sigs[i];
        if (sig == SIGTERM || sig == SIGINT) {
          begin_exit(sig == SIGTERM ? "SIGTERM" : "SIGINT");
        } else if (sig == SIGHUP && !exiting) {
          log("SIGHUP: reloading profiles");
          reload();
        }
      }
    }
    if (fds[0].revents & POLLIN) {
      server.serve_pending(handle);
    }
  }
  log("supervisor exiting: every worker stopped");
  server.close();
  std::filesystem::remove(supervisor_pid_path(home), ec);
  logger->flush();
  return 0;
}

}  // namespace ccproxy::supervisor
