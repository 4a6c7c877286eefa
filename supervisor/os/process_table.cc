#include "supervisor/os/process_table.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/process.hpp>
#include <boost/process/extend.hpp>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <thread>

namespace ccproxy::supervisor {

namespace bp = boost::process;

std::string signal_name(int sig) {
  switch (sig) {
    case SIGHUP:
      return "SIGHUP";
    case SIGINT:
      return "SIGINT";
    case SIGQUIT:
      return "SIGQUIT";
    case SIGILL:
      return "SIGILL";
    case SIGABRT:
      return "SIGABRT";
    case SIGBUS:
      return "SIGBUS";
    case SIGFPE:
      return "SIGFPE";
    case SIGKILL:
      return "SIGKILL";
    case SIGSEGV:
      return "SIGSEGV";
    case SIGPIPE:
      return "SIGPIPE";
    case SIGTERM:
      return "SIGTERM";
    case SIGUSR1:
      return "SIGUSR1";
    case SIGUSR2:
      return "SIGUSR2";
    default:
      return "signal " + std::to_string(sig);
  }
}

std::string ExitStatus::str() const {
  if (!known) {
    return "exited (status unknown)";
  }
  if (signaled) {
    return "signal " + std::to_string(code) + " (" + signal_name(code) + ")";
  }
  return "exit " + std::to_string(code);
}

void close_inherited_fds() {
  DIR* dir = ::opendir("/proc/self/fd");
  if (dir == nullptr) {
    return;
  }
  int own = ::dirfd(dir);
  std::vector<int> doomed;
  while (dirent* e = ::readdir(dir)) {
    int fd = std::atoi(e->d_name);
    if (e->d_name[0] == '.' || fd <= STDERR_FILENO || fd == own) {
      continue;
    }
    int flags = ::fcntl(fd, F_GETFD);
    if (flags >= 0 && (flags & FD_CLOEXEC) == 0) {
      doomed.push_back(fd);
    }
  }
  ::closedir(dir);
  for (int fd : doomed) {
    ::close(fd);
  }
}

namespace {

// Runs in the child between fork and exec: a new session so that terminal signals and the
// supervisor's own death never reach the worker, and so one kill(-pid) reaches all of it.
struct SessionSetup : bp::extend::handler {
  int log_fd = -1;
  int null_fd = -1;

  template <typename Executor>
  void on_exec_setup(Executor&) const {
    setsid();
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    signal(SIGPIPE, SIG_DFL);  // ignored in the supervisor; an ignored signal survives exec
    if (null_fd >= 0) {
      dup2(null_fd, STDIN_FILENO);
    }
    if (log_fd >= 0) {
      dup2(log_fd, STDOUT_FILENO);
      dup2(log_fd, STDERR_FILENO);
    }
    close_inherited_fds();
  }
};

}  // namespace

Result<int> RealProcessTable::spawn(const SpawnSpec& spec) {
  if (spec.argv.empty()) {
    return fail(std::string("empty command"));
  }
  int log_fd = ::open(spec.log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (log_fd < 0) {
    return fail("cannot open " + spec.log_file.string() + ": " + std::strerror(errno));
  }
  int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  SessionSetup setup;
  setup.log_fd = log_fd;
  setup.null_fd = null_fd;
  std::vector<std::string> args(spec.argv.begin() + 1, spec.argv.end());
  std::error_code ec;
  // Every fd of ours is O_CLOEXEC, so the worker inherits only stdin/stdout/stderr. (Not
  // bp::limit_handles: it also closes Boost.Process's exec-error pipe, and spawn then returns
  // before the exec.)
  bp::environment env = boost::this_process::environment();
  for (const auto& [name, value] : spec.env) {
    env[name] = value;
  }
  bp::child child(bp::exe = spec.argv[0], bp::args = args, env, setup, ec);
  ::close(log_fd);
  if (null_fd >= 0) {
    ::close(null_fd);
  }
  if (ec) {
    return fail("cannot start " + spec.argv[0] + ": " + ec.message());
  }
  int pid = child.id();
  // We reap the child ourselves with waitpid; the handle must not kill it on destruction.
  child.detach();
  // The identity recorded in the pid file must be the worker's, not the forked copy of us:
  // make sure the exec is visible in /proc before returning.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(500);
  while (std::chrono::steady_clock::now() < deadline) {
    auto id = read_identity(pid);
    if (!id || id->cmdline == spec.argv || is_zombie(pid)) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  return pid;
}

bool RealProcessTable::signal_group(int pid, int sig) {
  if (pid <= 1) {
    return false;
  }
  if (getpgid(pid) == pid) {
    return ::kill(-pid, sig) == 0;
  }
  return ::kill(pid, sig) == 0;
}

bool RealProcessTable::signal_one(int pid, int sig) {
  if (pid <= 1) {
    return false;
  }
  return ::kill(pid, sig) == 0;
}

bool RealProcessTable::alive(int pid) {
  if (pid <= 0) {
    return false;
  }
  if (::kill(pid, 0) != 0 && errno == ESRCH) {
    return false;
  }
  return !is_zombie(pid);
}

bool RealProcessTable::exists(int pid) {
  return pid > 0 && (::kill(pid, 0) == 0 || errno != ESRCH);
}

std::optional<ProcessIdentity> RealProcessTable::identity(int pid) {
  return read_identity(pid);
}

std::optional<ExitStatus> RealProcessTable::reap(int pid) {
  int status = 0;
  pid_t r = ::waitpid(pid, &status, WNOHANG);
  if (r != pid) {
    return std::nullopt;
  }
  ExitStatus out;
  if (WIFSIGNALED(status)) {
    out.signaled = true;
    out.code = WTERMSIG(status);
  } else {
    out.code = WEXITSTATUS(status);
  }
  return out;
}

}  // namespace ccproxy::supervisor
