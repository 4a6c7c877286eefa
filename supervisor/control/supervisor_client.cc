#include "supervisor/control/supervisor_client.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

#include "supervisor/control/control_channel.h"
#include "supervisor/os/abstract_socket.h"
#include "supervisor/os/fleet_paths.h"
#include "supervisor/os/own_command.h"
#include "supervisor/os/pid_file.h"
#include "supervisor/os/proc_info.h"
#include "supervisor/os/process_table.h"
#include "supervisor/os/supervisor_lock.h"

namespace ccproxy::supervisor {

bool supervisor_running(const config::Home& home) {
  return SupervisorLock::is_held(lock_path(home));
}

std::string control_socket_name(const config::Home& home) {
  return abstract_name(home.root, "control");
}

Result<nlohmann::json> ask_supervisor(const config::Home& home, const nlohmann::json& request,
                                      std::chrono::milliseconds timeout) {
  return control_request(socket_path(home), control_socket_name(home), request, timeout);
}

template <typename Reply>
Result<Reply, ControlError> SupervisorClient::ask(const ControlRequest& request,
                                                  Timeout timeout) const {
  auto reply = ask_supervisor(home_, to_json(request), timeout);
  if (!reply) {
    return fail(ControlError{reply.error(), {}});
  }
  return reply_from_json<Reply>(*reply);
}

Result<StatusReply, ControlError> SupervisorClient::status(Timeout timeout) const {
  return ask<StatusReply>(StatusRequest{}, timeout);
}

Result<StartReply, ControlError> SupervisorClient::start(StartRequest request,
                                                         Timeout timeout) const {
  return ask<StartReply>(std::move(request), timeout);
}

Result<StopReply, ControlError> SupervisorClient::stop(std::vector<std::string> names,
                                                       Timeout timeout) const {
  return ask<StopReply>(StopRequest{std::move(names)}, timeout);
}

Result<RestartReply, ControlError> SupervisorClient::restart(std::vector<std::string> names,
                                                             Timeout timeout) const {
  return ask<RestartReply>(RestartRequest{std::move(names)}, timeout);
}

Result<ReloadReply, ControlError> SupervisorClient::reload(Timeout timeout,
                                                           std::vector<std::string> names) const {
  return ask<ReloadReply>(ReloadRequest{std::move(names)}, timeout);
}

std::optional<int> verified_supervisor_pid(const config::Home& home) {
  auto rec = read_pid_file(supervisor_pid_path(home));
  RealProcessTable procs;
  if (rec && rec.value()) {
    if (check_identity(*rec.value(), procs) != IdentityCheck::same) {
      return std::nullopt;
    }
    return rec.value()->pid;
  }
  // No record (pids/ removed): the process serving this home's control name, when it proves to
  // be this home's supervisor.
  auto pid = abstract_listener_pid(control_socket_name(home));
  if (!pid) {
    return std::nullopt;
  }
  auto live = procs.identity(*pid);
  if (!live || !runs_as_ours(*live, kSupervisorRecord, home.root)) {
    return std::nullopt;
  }
  return pid;
}

Result<void> launch_supervisor(const config::Home& home, std::chrono::milliseconds timeout) {
  std::error_code ec;
  std::filesystem::create_directories(home.pids_dir(), ec);
  std::filesystem::create_directories(home.logs_dir(), ec);
  ::chmod(home.logs_dir().c_str(), 0700);
  ::chmod(home.pids_dir().c_str(), 0700);
  const std::string exe = self_executable().string();
  const std::string root = home.root.string();
  const std::string log = (home.logs_dir() / "ccproxy.log").string();

  pid_t first = ::fork();
  if (first < 0) {
    return fail(std::string("fork: ") + std::strerror(errno));
  }
  if (first == 0) {
    // Child: leave our session so the supervisor outlives this terminal, then fork again so it
    // is not a session leader and is reparented away from the CLI.
    ::setsid();
    pid_t second = ::fork();
    if (second != 0) {
      ::_exit(second < 0 ? 1 : 0);
    }
    int null_fd = ::open("/dev/null", O_RDONLY);
    int log_fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (null_fd >= 0) {
      ::dup2(null_fd, STDIN_FILENO);
    }
    if (log_fd >= 0) {
      ::dup2(log_fd, STDOUT_FILENO);
      ::dup2(log_fd, STDERR_FILENO);
    }
    close_inherited_fds();  // including null_fd and log_fd themselves
    ::execl(exe.c_str(), exe.c_str(), "--home", root.c_str(), "supervise",
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  int status = 0;
  while (::waitpid(first, &status, 0) < 0 && errno == EINTR) {
  }
  return wait_for_supervisor(home, timeout);
}

Result<void> wait_for_supervisor(const config::Home& home, std::chrono::milliseconds timeout) {
  const std::string log = (home.logs_dir() / "ccproxy.log").string();
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string last_error;
  const SupervisorClient client(home);
  while (std::chrono::steady_clock::now() < deadline) {
    auto r = client.status(std::chrono::milliseconds(500));
    if (r) {
      return {};
    }
    last_error = r.error().message;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return fail("the supervisor did not come up within " + std::to_string(timeout.count()) + "ms (" +
              last_error + "); see " + log);
}

Result<void> ensure_supervisor(const config::Home& home, std::chrono::milliseconds timeout) {
  if (!supervisor_running(home)) {
    return launch_supervisor(home, timeout);
  }
  // It holds the lock but may still be starting (its socket not there yet).
  return wait_for_supervisor(home, timeout);
}

}  // namespace ccproxy::supervisor
