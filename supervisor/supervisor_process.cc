#include "supervisor/supervisor_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <spdlog/logger.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <iostream>
#include <memory>
#include <optional>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/environment.h"
#include "config/load_fleet.h"
#include "logging/log_file.h"
#include "logging/log_line.h"
#include "logging/retention.h"
#include "supervisor/control/control_channel.h"
#include "supervisor/control/supervisor_client.h"
#include "supervisor/control_handler.h"
#include "supervisor/fleet_log_file.h"
#include "supervisor/fleet_supervisor.h"
#include "supervisor/os/fleet_paths.h"
#include "supervisor/os/own_command.h"
#include "supervisor/os/pid_file.h"
#include "supervisor/os/supervisor_lock.h"
#include "supervisor/usage_retention.h"

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
  // In the background our stdout/stderr are the log file already: keep them pointed at the
  // current file across rotations.
  auto opened = logging::open_log_file(fleet_log_options(home, fleet.logs, "ccproxy", !foreground));
  std::shared_ptr<spdlog::logger> logger;
  if (opened) {
    logger = std::move(opened).value();
    if (foreground) {
      logger->sinks().push_back(logging::stderr_sink({}));
    }
  } else {
    std::cerr << "ccproxy supervise: cannot open logs/ccproxy.log (" << opened.error()
              << "); logging to stderr\n";
    logger = std::make_shared<spdlog::logger>("ccproxy", logging::stderr_sink({}));
  }
  logger->flush_on(spdlog::level::trace);
  return logger;
}

// Creates pids/ and logs/ and takes the home's lock; nullopt (said on stderr) when it cannot,
// or another supervisor holds it.
std::optional<SupervisorLock> lock_home(const config::Home& home) {
  std::error_code ec;
  std::filesystem::create_directories(home.pids_dir(), ec);
  std::filesystem::create_directories(home.logs_dir(), ec);
  ::chmod(home.pids_dir().c_str(), 0700);
  auto lock = SupervisorLock::try_acquire(lock_path(home));
  if (!lock) {
    std::cerr << "ccproxy supervise: " << lock.error() << "\n";
    return std::nullopt;
  }
  if (!lock.value()) {
    std::cerr << "ccproxy supervise: a supervisor already runs for " << home.root.string() << "\n";
  }
  return std::move(lock).value();
}

void announce_start(spdlog::logger& logger, const config::Home& home, const config::Fleet& fleet) {
  logger.info("supervisor starting (pid " + std::to_string(::getpid()) + ", home " +
              home.root.string() + ")");
  for (const auto& d : fleet.problems) {
    logger.warn("profile problem: " + d.str());
  }
}

// Log retention at supervisor start: archives past the fleet's limits go.
void clean_old_archives(const config::Home& home, const config::LogSettings& logs,
                        spdlog::logger& logger) {
  logging::RetentionOptions r;
  r.retention_days = logs.retention_days;
  r.max_total_bytes = logs.max_total_bytes;
  auto report = logging::clean_archives(home.logs_dir(), r, std::chrono::system_clock::now());
  for (const auto& rm : report.removed) {
    logger.info("log retention: removed " + rm.file.filename().string() + " (" + rm.reason + ")");
  }
  for (const auto& e : report.errors) {
    logger.warn("log retention: " + e);
  }
}

void write_own_pid_file(const config::Home& home, spdlog::logger& logger) {
  PidRecord self;
  self.pid = ::getpid();
  self.profile = kSupervisorRecord;
  if (auto id = read_identity(self.pid)) {
    self.identity = *id;
  }
  if (auto w = write_pid_file(supervisor_pid_path(home), self); !w) {
    logger.warn(w.error());
  }
}

void remove_own_pid_file(const config::Home& home) {
  std::error_code ec;
  std::filesystem::remove(supervisor_pid_path(home), ec);
}

// pids/ was removed under us and made again: our pid file and the control socket file go back
// in it, so that clients of pids/ccproxy.sock find us again (not only those of the abstract
// name).
void restore_own_files(const config::Home& home, ControlServer& server, spdlog::logger& logger) {
  write_own_pid_file(home, logger);
  // The listening socket of the removed file: nobody can connect to it any more. listen()
  // replaces it, so it is closed here.
  const int unreachable = server.fd();
  if (auto l = server.listen(socket_path(home)); !l) {
    logger.warn(l.error() + "; the control channel is the abstract name only");
  } else {
    logger.info("control socket " + socket_path(home).string() + " made again");
  }
  if (unreachable >= 0) {
    ::close(unreachable);
  }
}

// Each worker is this executable's worker_command() for its profile, logging to
// logs/NAME.log; `pids_dir_restored` puts the supervisor's own files back in a new pids/.
FleetOptions fleet_options(const config::Home& home, const config::Fleet& fleet,
                           std::function<void(const std::string&)> log,
                           std::function<void()> pids_dir_restored) {
  FleetOptions fo;
  fo.settings = fleet.supervisor;
  fo.pids_dir = home.pids_dir();
  const std::filesystem::path exe = self_executable();
  fo.spawn_spec = [home, exe](const WorkerSpec& spec) {
    SpawnSpec s;
    s.argv = worker_command(exe, home.root, spec.name);
    s.log_file = worker_log_path(home, spec.name);
    return s;
  };
  fo.log = std::move(log);
  fo.pids_dir_restored = std::move(pids_dir_restored);
  return fo;
}

ControlContext control_context(const config::Home& home,
                               const std::shared_ptr<spdlog::logger>& logger) {
  ControlContext c;
  c.pid = ::getpid();
  c.profiles_dir = home.profiles_dir();
  c.load_fleet = [home] { return load_home_fleet(home); };
  c.log = [logger](const std::string& line) { logger->info(line); };
  c.warn = [logger](const std::string& line) { logger->warn(line); };
  return c;
}

// `start --foreground`: the named workers (all when none) start with the supervisor.
void start_at_once(FleetSupervisor& fleet, const std::vector<std::string>& names,
                   spdlog::logger& logger) {
  auto out = fleet.start(names, {});
  for (const auto& n : out.unknown) {
    logger.warn("start: no profile named " + n);
  }
}

// SIGTERM/SIGINT begin the exit; SIGHUP reloads the profiles (not while exiting). SIGCHLD only
// wakes the loop.
void handle_signals(ControlHandler& control, spdlog::logger& logger) {
  unsigned char sigs[64];
  ssize_t got = ::read(g_signal_pipe[0], sigs, sizeof(sigs));
  for (ssize_t i = 0; i < got; ++i) {
    int sig = sigs[i];
    if (sig == SIGTERM || sig == SIGINT) {
      control.begin_exit(sig == SIGTERM ? "SIGTERM" : "SIGINT");
    } else if (sig == SIGHUP && !control.exiting()) {
      logger.info("SIGHUP: reloading profiles");
      (void)control.reload();
    }
  }
}

// The supervisor loop: ticks the fleet, answers signals and control requests, until the exit
// has brought every worker down (or poll fails).
void serve_until_down(FleetSupervisor& fleet, ControlServer& server, ControlHandler& control,
                      UsageRetention& retention, spdlog::logger& logger) {
  auto handle = [&control](const nlohmann::json& request) { return control.handle(request); };
  while (true) {
    fleet.tick();
    retention.tick(std::chrono::steady_clock::now());
    if (control.exiting() && fleet.all_down()) {
      return;
    }
    auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(fleet.next_tick_in());
    std::vector<pollfd> fds{{g_signal_pipe[0], POLLIN, 0}};
    for (int fd : server.fds()) {
      fds.push_back({fd, POLLIN, 0});
    }
    int n = ::poll(fds.data(), fds.size(), static_cast<int>(std::max<long long>(wait.count(), 1)));
    if (n < 0 && errno != EINTR) {
      logger.error(std::string("poll: ") + std::strerror(errno));
      return;
    }
    if (fds[0].revents & POLLIN) {
      handle_signals(control, logger);
    }
    if (std::any_of(fds.begin() + 1, fds.end(),
                    [](const pollfd& p) { return p.revents & POLLIN; })) {
      server.serve_pending(handle);
    }
  }
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
  auto lock = lock_home(home);
  if (!lock) {
    return 1;
  }
  config::Fleet fleet = load_home_fleet(home);
  auto logger = open_logger(home, fleet, options.foreground);
  announce_start(*logger, home, fleet);
  clean_old_archives(home, fleet.logs, *logger);
  write_own_pid_file(home, *logger);

  ControlServer server;
  if (auto l = server.listen(socket_path(home)); !l) {
    logger->error(l.error());
    remove_own_pid_file(home);
    return 1;
  }
  // The same channel on an abstract name: the CLI still finds us when pids/ is removed.
  if (auto l = server.listen_abstract(control_socket_name(home)); !l) {
    logger->warn(l.error() + "; the control channel is pids/ccproxy.sock only");
  }
  install_signals();

  SteadyClock clock;
  RealProcessTable procs;
  ProcListenerLookup listeners;
  HttpHealthProber prober;
  FleetSupervisor fleet_sup(
      FleetDeps{procs, clock, listeners, prober},
      fleet_options(
          home, fleet, [logger](const std::string& line) { logger->info(line); },
          [&home, &server, logger] { restore_own_files(home, server, *logger); }));
  fleet_sup.set_profiles(worker_specs(fleet), false);
  fleet_sup.adopt_running();
  ControlHandler control(fleet_sup, control_context(home, logger));
  if (options.start_now) {
    start_at_once(fleet_sup, options.names, *logger);
  }

  UsageRetention retention(home, *logger);
  serve_until_down(fleet_sup, server, control, retention, *logger);
  logger->info("supervisor exiting: every worker stopped");
  server.close();
  remove_own_pid_file(home);
  logger->flush();
  return 0;
}

}  // namespace ccproxy::supervisor
