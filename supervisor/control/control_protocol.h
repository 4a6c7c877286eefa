#pragma once
// The messages of the CLI <-> supervisor control channel (control_channel.h carries them, one
// JSON line each way). Every request names its "op"; every reply carries "ok".
//
//   {"op":"status"}
//       -> {"ok":true,"pid":N,"settled":B,"exiting":B,"workers":[WorkerView...]}
//   {"op":"start","names":[...],"takeover":[...]}
//       -> {"ok":B,"already_running":[...],"started":[...],"unknown":[...]}  (ok: none unknown)
//   {"op":"stop","names":[...]}
//       -> {"ok":true,"stopping":[...]}, or {"ok":true,"exiting":true} when names is empty
//   {"op":"restart","names":[...]}  -> {"ok":true,"restarting":[...]}
//   {"op":"reload"}                 -> {"ok":true,"added":[...],"removed":[...],"changed":[...]}
//   {"op":"reload","names":[...]}   -> the same for the named profiles only (`ccproxy model`)
//   a refusal                       -> {"ok":false,"error":"...","problems":[...]}  (problems:
//                                      reload only)
//
// Empty "names": every profile (stop: every worker, then the supervisor exits).

#include <map>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "supervisor/control/worker_state.h"

namespace ccproxy::supervisor {

struct StatusRequest {};
struct StartRequest {
  std::vector<std::string> names;
  std::vector<std::string> takeover;  // names whose port may be taken from a foreign process
};
struct StopRequest {
  std::vector<std::string> names;
};
struct RestartRequest {
  std::vector<std::string> names;
};
struct ReloadRequest {
  std::vector<std::string> names;  // empty: every profile
};

using ControlRequest =
    std::variant<StatusRequest, StartRequest, StopRequest, RestartRequest, ReloadRequest>;

nlohmann::json to_json(const ControlRequest& request);
/// The request in a JSON line; the error says what is wrong with it ("unknown op 'x'", ...).
Result<ControlRequest> request_from_json(const nlohmann::json& j);

struct StatusReply {
  int pid = 0;
  bool settled = true;  // nothing in transition
  bool exiting = false;
  std::vector<WorkerView> workers;

  std::map<std::string, WorkerView> workers_by_name() const;
};
struct StartReply {
  std::vector<std::string> already_running;
  std::vector<std::string> started;
  std::vector<std::string> unknown;
};
struct StopReply {
  bool exiting = false;  // every worker stops, then the supervisor exits
  std::vector<std::string> stopping;
};
struct RestartReply {
  std::vector<std::string> restarting;
};
struct ReloadReply {
  std::vector<std::string> added;
  std::vector<std::string> removed;
  std::vector<std::string> changed;
};

/// A request that got no answer: the supervisor refused it ({"ok":false,"error":...}), or it
/// could not be asked, or its answer was not understood.
struct ControlError {
  std::string message;
  std::vector<std::string> problems;  // reload: the profile problems behind the refusal
};

nlohmann::json to_json(const StatusReply& reply);
nlohmann::json to_json(const StartReply& reply);
nlohmann::json to_json(const StopReply& reply);
nlohmann::json to_json(const RestartReply& reply);
nlohmann::json to_json(const ReloadReply& reply);
nlohmann::json to_json(const ControlError& refusal);

/// Reads a reply of type Reply (one of the five above). {"ok":false} is a ControlError (its
/// "error", or "refused"), except a start reply without "error": some names were unknown.
template <typename Reply>
Result<Reply, ControlError> reply_from_json(const nlohmann::json& j);

}  // namespace ccproxy::supervisor
