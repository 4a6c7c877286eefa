// ccproxy run --profile NAME: one worker in the foreground. This is what the supervisor
// spawns; it is also handy by hand (--log-stderr) and in tests (--port 0).

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string_view>

#include "cmd/args.h"
#include "cmd/command.h"
#include "config/environment.h"
#include "config/load_fleet.h"
#include "logging/log_file.h"
#include "logging/log_line.h"
#include "supervisor/fleet_log_file.h"
#include "supervisor/os/process_table.h"
#include "usage/ledger_db.h"
#include "usage/ledger_writer.h"
#include "worker/http/server.h"

namespace ccproxy::cmd {
namespace {

// A profile's log_level as a spdlog level; "off" and names spdlog does not know give info.
spdlog::level::level_enum level_of(const std::string& name) {
  auto level = spdlog::level::from_str(name);
  return level == spdlog::level::off ? spdlog::level::info : level;
}

struct RunArgs {
  std::string profile;
  std::int64_t port = -1;  // -1: the profile's
  bool log_stderr = false;
};

// The home's fleet, the environment's problems after the profiles' own.
config::Fleet load_run_fleet(const config::Home& home) {
  std::vector<config::Diagnostic> env_problems;
  config::Environment env = config::Environment::from_process(home, &env_problems);
  config::Fleet fleet = config::load_fleet(home, env);
  fleet.problems.insert(fleet.problems.end(), env_problems.begin(), env_problems.end());
  return fleet;
}

// The profile to serve; nullptr, with every problem that stops it printed (its own, fleet-wide
// ones, a port clash naming it), when it cannot run.
const config::Profile* runnable_profile(const config::Home& home, const config::Fleet& fleet,
                                        const std::string& name) {
  auto problems = fleet.problems_of(name);
  const config::Profile* profile = fleet.find(name);
  if (problems.empty() && profile != nullptr) {
    return profile;
  }
  for (const auto& d : problems) {
    std::cerr << d.str() << "\n";
  }
  if (profile == nullptr && problems.empty()) {
    std::cerr << "ccproxy run: no profile '" << name << "' (expected "
              << (home.profiles_dir() / (name + ".toml")).string() << ")\n";
  } else {
    std::cerr << "ccproxy run: profile '" << name << "' is not valid\n";
  }
  return nullptr;
}

// Where the log goes: stderr only (--log-stderr), the log file plus the terminal when run by
// hand, or the log file alone with stdout/stderr pointed at it (under the supervisor). Each
// masks the profile's secrets.
Result<std::shared_ptr<spdlog::logger>> open_worker_log(const config::Home& home,
                                                        const config::Fleet& fleet,
                                                        const config::Profile& profile,
                                                        const RunArgs& args, bool tty) {
  const std::vector<std::string> secrets = supervisor::profile_secrets(profile);
  if (args.log_stderr) {
    auto log = std::make_shared<spdlog::logger>(args.profile, logging::stderr_sink(secrets));
    log->flush_on(spdlog::level::trace);
    return log;
  }
  auto options = supervisor::fleet_log_options(home, fleet.logs, args.profile, !tty);
  options.secrets = secrets;
  auto file = logging::open_log_file(options);
  if (!file || !tty) {
    return file;
  }
  auto sinks = (*file)->sinks();
  sinks.push_back(logging::stderr_sink(secrets));
  return std::make_shared<spdlog::logger>(args.profile, sinks.begin(), sinks.end());
}

// The home's usage ledger, or null (logged) when [usage] enabled = false or it cannot be
// opened: the worker serves either way.
std::unique_ptr<usage::LedgerWriter> open_ledger(const config::Home& home,
                                                 const config::Fleet& fleet,
                                                 const std::shared_ptr<spdlog::logger>& log) {
  if (!fleet.usage.enabled) {
    log->info("usage ledger off ([usage] enabled = false)");
    return nullptr;
  }
  usage::WriterOptions options;
  options.warn = [log](const std::string& message) { log->warn("{}", message); };
  auto writer = usage::LedgerWriter::open(usage::ledger_file(home.root), options);
  if (!writer) {
    log->warn("usage ledger off: {}", writer.error());
    return nullptr;
  }
  return std::move(writer).value();
}

int run(const Invocation& inv) {
  RunArgs args;
  ArgParser parser;
  parser.option("profile", &args.profile, 'p')
      .int_option("port", &args.port, 0, 65535)
      .flag("log-stderr", &args.log_stderr);
  if (auto err = parser.parse(inv.args)) {
    return usage_error(kRunCommand, *err);
  }
  if (args.profile.empty()) {
    return usage_error(kRunCommand, "--profile NAME is required");
  }
  config::Fleet fleet = load_run_fleet(inv.home);
  const config::Profile* profile = runnable_profile(inv.home, fleet, args.profile);
  if (profile == nullptr) {
    return kExitFailure;
  }
  worker::WorkerConfig config = profile->worker;
  if (args.port >= 0) {
    config.port = static_cast<uint16_t>(args.port);
  }
  const bool tty = ::isatty(STDERR_FILENO) == 1;
  auto log = open_worker_log(inv.home, fleet, *profile, args, tty);
  if (!log) {
    std::cerr << "ccproxy run: cannot open the log: " << log.error() << "\n";
    return kExitFailure;
  }
  (*log)->set_level(level_of(profile->log_level));

  // Declared before the hooks that point at it; its destructor writes the last rows.
  std::unique_ptr<usage::LedgerWriter> ledger = open_ledger(inv.home, fleet, *log);
  worker::WorkerHooks hooks;
  hooks.ledger = ledger.get();
  // The supervisor starts a worker this way beside the one it replaces (see
  // worker/http/listener.h); not passed on to anything this worker starts.
  if (const char* handover = std::getenv(supervisor::kHandoverVariable)) {
    hooks.successor = std::string_view(handover) == "1";
    ::unsetenv(supervisor::kHandoverVariable);
  }
  if (args.log_stderr) {
    hooks.on_listening = [](const std::string& host, uint16_t bound) {
      std::printf("listening on %s:%u\n", host.c_str(), static_cast<unsigned>(bound));
      std::fflush(stdout);
    };
  }
  int rc = worker::run_worker(config, *log, hooks);
  if (rc != 0 && !args.log_stderr && !tty) {
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
    "stderr is one). Each /v1/messages request is recorded in the home's usage ledger\n"
    "(usage.db; off with [usage] enabled = false in ccproxy.toml). Exits 0 after\n"
    "SIGTERM/SIGINT once open streams finished (or the profile's shutdown_grace_s passed), 1\n"
    "when it cannot start (invalid profile, port in use).\n",
    run};

}  // namespace ccproxy::cmd
