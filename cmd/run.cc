// ccproxy run --profile NAME: one worker in the foreground. This is what the supervisor
// spawns; it is also handy by hand (--log-stderr) and in tests (--port 0).

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>

#include "cmd/args.h"
#include "cmd/command.h"
#include "logging/log_file.h"
#include "worker/http/server.h"

namespace ccproxy::cmd {
namespace {

/// Problems that stop this profile: its own, fleet-wide ones, and a port clash naming it.
spdlog::level::level_enum level_of(const std::string& name) {
  auto level = spdlog::level::from_str(name);
  return level == spdlog::level::off ? spdlog::level::info : level;
}

int run(const Invocation& inv) {
  std::string profile_name;
  int64_t port = -1;
  bool log_stderr = false;
  ArgParser parser;
  parser.option("profile", &profile_name, 'p')
      .int_option("port", &port, 0, 65535)
      .flag("log-stderr", &log_stderr);
  if (auto err = parser.parse(inv.args)) {
    return usage_error(kRunCommand, *err);
  }
  if (profile_name.empty()) {
    return usage_error(kRunCommand, "--profile NAME is required");
  }

  std::vector<config::Diagnostic> env_problems;
  config::Environment env = config::Environment::from_process(inv.home, &env_problems);
  config::Fleet fleet = config::load_fleet(inv.home, env);
  fleet.problems.insert(fleet.problems.end(), env_problems.begin(), env_problems.end());
  auto problems = fleet.problems_of(profile_name);
  const config::Profile* profile = fleet.find(profile_name);
  if (!problems.empty() || profile == nullptr) {
    for (const auto& d : problems) {
      std::cerr << d.str() << "\n";
    }
    if (profile == nullptr && problems.empty()) {
      std::cerr << "ccproxy run: no profile '" << profile_name << "' (expected "
                << (inv.home.profiles_dir() / (profile_name + ".toml")).string() << ")\n";
    } else {
      std::cerr << "ccproxy run: profile '" << profile_name << "' is not valid\n";
    }
    return kExitFailure;
  }

  worker::WorkerConfig config = profile->worker;
  if (port >= 0) {
    config.port = static_cast<uint16_t>(port);
  }

  // Where the log goes: stderr only (--log-stderr), the log file plus the terminal when run
  // by hand, or the log file alone with stdout/stderr pointed at it (under the supervisor).
  std::shared_ptr<spdlog::logger> log;
  const bool tty = ::isatty(STDERR_FILENO) == 1;
  try {
    if (log_stderr) {
      log = std::make_shared<spdlog::logger>(
          profile_name, std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
      log->set_pattern(logging::kLogPattern);
      log->flush_on(spdlog::level::trace);
    } else {
      logging::LogFileOptions options;
      options.dir = inv.home.logs_dir();
      options.name = profile_name;
      options.policy.max_bytes = fleet.logs.rotate_bytes;
      options.policy.daily = fleet.logs.rotate_daily;
      options.policy.compress = fleet.logs.compress;
      options.policy.retention_days = fleet.logs.retention_days;
      options.policy.max_total_bytes = fleet.logs.max_total_bytes;
      options.redirect_stdio = !tty;
      log = logging::open_log_file(options);
      if (tty) {
        auto sinks = log->sinks();
        auto term = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
        term->set_pattern(logging::kLogPattern);
        sinks.push_back(term);
        log = std::make_shared<spdlog::logger>(profile_name, sinks.begin(), sinks.end());
      }
    }
  } catch (const std::exception& e) {
    std::cerr << "ccproxy run: cannot open the log: " << e.what() << "\n";
    return kExitFailure;
  }
  log->set_level(level_of(profile->log_level));

  worker::WorkerHooks hooks;
  if (log_stderr) {
    hooks.on_listening = [](const std::string& host, uint16_t bound) {
      std::printf("listening on %s:%u\n", host.c_str(), static_cast<unsigned>(bound));
      std::fflush(stdout);
    };
  }
  int rc = worker::run_worker(config, log, hooks);
  if (rc != 0 && !log_stderr && !tty) {
    // stderr is the log file here: the reason is already in it.
    return kExitFailure;
  }
  return rc == 0 ? kExitOk : kExitFailure;
}

}  // namespace

const Command kRunCommand{
    "run", "run --profile NAME [--port N] [--log-stderr]",
    "run one worker in the foreground (what the supervisor spawns)",
    "  --profile NAME  the profile to serve (profiles/NAME.toml)\n"
    "  --port N        listen on N instead of the profile's port (0: any free port)\n"
    "  --log-stderr    log to stderr only, and print 'listening on HOST:PORT' on stdout\n"
    "\n"
    "Without --log-stderr the worker logs to logs/NAME.log (and to the terminal too when\n"
    "stderr is one). Exits 0 after SIGTERM/SIGINT once open streams finished (or the\n"
    "profile's shutdown_grace_s passed), 1 when it cannot start (invalid profile, port in use).\n",
    run};

}  // namespace ccproxy::cmd
