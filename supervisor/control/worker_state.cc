#include "supervisor/control/worker_state.h"

#include <array>
#include <nlohmann/json.hpp>

namespace ccproxy::supervisor {

namespace {
constexpr std::array<std::pair<WorkerState, std::string_view>, 8> kNames{{
    {WorkerState::stopped, "stopped"},
    {WorkerState::starting, "starting"},
    {WorkerState::running, "running"},
    {WorkerState::backoff, "backoff"},
    {WorkerState::stopping, "stopping"},
    {WorkerState::fatal, "fatal"},
    {WorkerState::unmanaged, "unmanaged"},
    {WorkerState::conflict, "conflict"},
}};
}  // namespace

std::string_view state_name(WorkerState state) {
  for (const auto& [s, n] : kNames) {
    if (s == state) {
      return n;
    }
  }
  return "stopped";
}

std::optional<WorkerState> parse_state(std::string_view name) {
  for (const auto& [s, n] : kNames) {
    if (n == name) {
      return s;
    }
  }
  return std::nullopt;
}

nlohmann::json to_json(const WorkerView& v) {
  nlohmann::json j;
  j["name"] = v.name;
  j["port"] = v.port;
  j["pid"] = v.pid;
  j["state"] = std::string(state_name(v.state));
  j["restarts"] = v.restarts;
  if (v.last_exit) {
    j["last_exit"] = {{"signaled", v.last_exit->signaled},
                      {"code", v.last_exit->code},
                      {"known", v.last_exit->known},
                      {"text", v.last_exit->str()}};
  } else {
    j["last_exit"] = nullptr;
  }
  j["message"] = v.message;
  j["adopted"] = v.adopted;
  return j;
}

WorkerView worker_view_from_json(const nlohmann::json& j) {
  WorkerView v;
  v.name = j.value("name", "");
  v.port = j.value("port", std::uint16_t{0});
  v.pid = j.value("pid", 0);
  v.state = parse_state(j.value("state", "stopped")).value_or(WorkerState::stopped);
  v.restarts = j.value("restarts", 0);
  if (j.contains("last_exit") && j["last_exit"].is_object()) {
    ExitStatus e;
    e.signaled = j["last_exit"].value("signaled", false);
    e.code = j["last_exit"].value("code", 0);
    e.known = j["last_exit"].value("known", true);
    v.last_exit = e;
  }
  v.message = j.value("message", "");
  v.adopted = j.value("adopted", false);
  return v;
}

}  // namespace ccproxy::supervisor
