#include "supervisor/control/control_protocol.h"

#include <stdexcept>
#include <type_traits>

namespace ccproxy::supervisor {

using nlohmann::json;

namespace {

// A field that is there but not what the protocol says; turned into an error at the boundary.
struct Malformed : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// j[key] as a list of names; absent: empty.
std::vector<std::string> names_at(const json& j, const char* key) {
  std::vector<std::string> out;
  auto it = j.find(key);
  if (it == j.end()) {
    return out;
  }
  if (!it->is_array()) {
    throw Malformed(std::string("\"") + key + "\" is not a list of names");
  }
  for (const auto& n : *it) {
    if (!n.is_string()) {
      throw Malformed(std::string("\"") + key + "\" holds something other than a name");
    }
    out.push_back(n.get<std::string>());
  }
  return out;
}

template <typename T>
T field_at(const json& j, const char* key, T fallback) {
  auto it = j.find(key);
  if (it == j.end()) {
    return fallback;
  }
  if constexpr (std::is_same_v<T, bool>) {
    if (!it->is_boolean()) {
      throw Malformed(std::string("\"") + key + "\" is not true or false");
    }
  } else if constexpr (std::is_same_v<T, std::string>) {
    if (!it->is_string()) {
      throw Malformed(std::string("\"") + key + "\" is not a string");
    }
  } else {
    if (!it->is_number_integer()) {
      throw Malformed(std::string("\"") + key + "\" is not a whole number");
    }
  }
  return it->get<T>();
}

ControlRequest read_request(const json& j) {
  if (!j.is_object()) {
    throw Malformed("a request is a JSON object with an \"op\"");
  }
  const std::string op = field_at<std::string>(j, "op", "");
  if (op == "status") {
    return StatusRequest{};
  }
  if (op == "start") {
    return StartRequest{names_at(j, "names"), names_at(j, "takeover")};
  }
  if (op == "stop") {
    return StopRequest{names_at(j, "names")};
  }
  if (op == "restart") {
    return RestartRequest{names_at(j, "names")};
  }
  if (op == "reload") {
    return ReloadRequest{names_at(j, "names")};
  }
  throw std::invalid_argument("unknown op '" + op + "'");
}

void read_reply(const json& j, StatusReply* r) {
  r->pid = field_at(j, "pid", 0);
  r->settled = field_at(j, "settled", true);
  r->exiting = field_at(j, "exiting", false);
  auto it = j.find("workers");
  if (it == j.end()) {
    return;
  }
  if (!it->is_array()) {
    throw Malformed("\"workers\" is not a list");
  }
  for (const auto& w : *it) {
    r->workers.push_back(worker_view_from_json(w));
  }
}

void read_reply(const json& j, StartReply* r) {
  r->already_running = names_at(j, "already_running");
  r->started = names_at(j, "started");
  r->unknown = names_at(j, "unknown");
}

void read_reply(const json& j, StopReply* r) {
  r->exiting = field_at(j, "exiting", false);
  r->stopping = names_at(j, "stopping");
}

void read_reply(const json& j, RestartReply* r) {
  r->restarting = names_at(j, "restarting");
}

void read_reply(const json& j, ReloadReply* r) {
  r->added = names_at(j, "added");
  r->removed = names_at(j, "removed");
  r->changed = names_at(j, "changed");
}

}  // namespace

json to_json(const ControlRequest& request) {
  struct Writer {
    json operator()(const StatusRequest&) const { return {{"op", "status"}}; }
    json operator()(const StartRequest& r) const {
      return {{"op", "start"}, {"names", r.names}, {"takeover", r.takeover}};
    }
    json operator()(const StopRequest& r) const { return {{"op", "stop"}, {"names", r.names}}; }
    json operator()(const RestartRequest& r) const {
      return {{"op", "restart"}, {"names", r.names}};
    }
    json operator()(const ReloadRequest& r) const {
      if (r.names.empty()) {
        return {{"op", "reload"}};
      }
      return {{"op", "reload"}, {"names", r.names}};
    }
  };
  return std::visit(Writer{}, request);
}

Result<ControlRequest> request_from_json(const json& j) {
  try {
    return read_request(j);
  } catch (const std::invalid_argument& e) {
    return fail(std::string(e.what()));
  } catch (const std::exception& e) {
    return fail(std::string("bad request: ") + e.what());
  }
}

std::map<std::string, WorkerView> StatusReply::workers_by_name() const {
  std::map<std::string, WorkerView> out;
  for (const auto& w : workers) {
    out[w.name] = w;
  }
  return out;
}

json to_json(const StatusReply& reply) {
  json workers = json::array();
  for (const auto& v : reply.workers) {
    workers.push_back(to_json(v));
  }
  return {{"ok", true},
          {"pid", reply.pid},
          {"settled", reply.settled},
          {"exiting", reply.exiting},
          {"workers", workers}};
}

json to_json(const StartReply& reply) {
  return {{"ok", reply.unknown.empty()},
          {"already_running", reply.already_running},
          {"started", reply.started},
          {"unknown", reply.unknown}};
}

json to_json(const StopReply& reply) {
  if (reply.exiting) {
    return {{"ok", true}, {"exiting", true}};
  }
  return {{"ok", true}, {"stopping", reply.stopping}};
}

json to_json(const RestartReply& reply) {
  return {{"ok", true}, {"restarting", reply.restarting}};
}

json to_json(const ReloadReply& reply) {
  return {
      {"ok", true}, {"added", reply.added}, {"removed", reply.removed}, {"changed", reply.changed}};
}

json to_json(const ControlError& refusal) {
  json out = {{"ok", false}, {"error", refusal.message}};
  if (!refusal.problems.empty()) {
    out["problems"] = refusal.problems;
  }
  return out;
}

template <typename Reply>
Result<Reply, ControlError> reply_from_json(const json& j) {
  try {
    if (!j.is_object()) {
      throw Malformed("not a JSON object");
    }
    const bool ok = field_at(j, "ok", false);
    // A start reply says ok:false when some names were unknown; it is still the answer.
    if (!ok && (!std::is_same_v<Reply, StartReply> || j.contains("error"))) {
      return fail(
          ControlError{field_at<std::string>(j, "error", "refused"), names_at(j, "problems")});
    }
    Reply reply;
    read_reply(j, &reply);
    return reply;
  } catch (const std::exception& e) {
    return fail(ControlError{std::string("bad answer from the supervisor: ") + e.what(), {}});
  }
}

template Result<StatusReply, ControlError> reply_from_json<StatusReply>(const json&);
template Result<StartReply, ControlError> reply_from_json<StartReply>(const json&);
template Result<StopReply, ControlError> reply_from_json<StopReply>(const json&);
template Result<RestartReply, ControlError> reply_from_json<RestartReply>(const json&);
template Result<ReloadReply, ControlError> reply_from_json<ReloadReply>(const json&);

}  // namespace ccproxy::supervisor
