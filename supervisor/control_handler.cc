#include "supervisor/control_handler.h"

#include <algorithm>
#include <set>
#include <system_error>
#include <variant>

#include "supervisor/supervisor_process.h"

namespace ccproxy::supervisor {

ControlHandler::ControlHandler(FleetSupervisor& fleet, ControlContext context)
    : fleet_(fleet), context_(std::move(context)) {}

nlohmann::json ControlHandler::handle(const nlohmann::json& request) {
  auto parsed = request_from_json(request);
  if (parsed && std::holds_alternative<StatusRequest>(*parsed)) {
    return to_json(status());
  }
  if (exiting_) {
    return to_json(ControlError{"the supervisor is shutting down", {}});
  }
  if (!parsed) {
    return to_json(ControlError{parsed.error(), {}});
  }
  struct Dispatch {
    ControlHandler& self;
    nlohmann::json operator()(const StatusRequest&) const { return to_json(self.status()); }
    nlohmann::json operator()(const StartRequest& r) const { return to_json(self.start(r)); }
    nlohmann::json operator()(const StopRequest& r) const { return to_json(self.stop(r)); }
    nlohmann::json operator()(const RestartRequest& r) const { return to_json(self.restart(r)); }
    nlohmann::json operator()(const ReloadRequest& r) const {
      auto reply = self.reload(r);
      return reply ? to_json(*reply) : to_json(reply.error());
    }
  };
  return std::visit(Dispatch{*this}, *parsed);
}

StatusReply ControlHandler::status() const {
  StatusReply reply;
  reply.pid = context_.pid;
  reply.settled = fleet_.settled();
  reply.exiting = exiting_;
  reply.workers = fleet_.view();
  return reply;
}

// Parses the profiles again only when a name or a profile file is new to the supervisor: start
// is on the hot path.
void ControlHandler::add_new_profiles(const std::vector<std::string>& names) {
  bool unknown = false;
  for (const auto& n : names) {
    unknown = unknown || !fleet_.has(n);
  }
  std::error_code dir_ec;
  for (const auto& e : std::filesystem::directory_iterator(context_.profiles_dir, dir_ec)) {
    if (e.path().extension() == ".toml" && !fleet_.has(e.path().stem().string())) {
      unknown = true;
    }
  }
  if (!unknown) {
    return;
  }
  std::vector<WorkerSpec> added;
  for (const auto& s : worker_specs(context_.load_fleet())) {
    if (!fleet_.has(s.name)) {
      added.push_back(s);
    }
  }
  if (!added.empty()) {
    fleet_.add_profiles(added);
  }
}

StartReply ControlHandler::start(const StartRequest& request) {
  add_new_profiles(request.names);
  const std::set<std::string> takeover(request.takeover.begin(), request.takeover.end());
  auto out = fleet_.start(request.names, takeover);
  return {out.already_running, out.started, out.unknown};
}

StopReply ControlHandler::stop(const StopRequest& request) {
  if (request.names.empty()) {
    begin_exit("stop requested for every worker");
    return {true, {}};
  }
  return {false, fleet_.stop(request.names)};
}

RestartReply ControlHandler::restart(const RestartRequest& request) {
  return {fleet_.restart(request.names)};
}

Result<ReloadReply, ControlError> ControlHandler::reload(const ReloadRequest& request) {
  config::Fleet next = context_.load_fleet();
  std::vector<config::Diagnostic> problems = next.problems;
  if (!request.names.empty()) {
    problems.clear();
    for (const auto& name : request.names) {
      auto own = next.problems_of(name);
      problems.insert(problems.end(), own.begin(), own.end());
      if (own.empty() && next.find(name) == nullptr) {
        return fail(ControlError{"no profile " + name + "; nothing changed", {}});
      }
    }
  }
  if (!problems.empty()) {
    ControlError refusal{"profiles have problems; nothing changed", {}};
    for (const auto& d : problems) {
      refusal.problems.push_back(d.str());
      context_.warn("reload refused: " + d.str());
    }
    return fail(std::move(refusal));
  }
  FleetSupervisor::ProfileDiff diff;
  if (request.names.empty()) {
    fleet_.set_settings(next.supervisor);
    diff = fleet_.set_profiles(worker_specs(next), true);
  } else {
    std::vector<WorkerSpec> named;
    for (const auto& spec : worker_specs(next)) {
      if (std::find(request.names.begin(), request.names.end(), spec.name) != request.names.end()) {
        named.push_back(spec);
      }
    }
    diff = fleet_.update_profiles(named);
  }
  context_.log("reload: " + std::to_string(diff.added.size()) + " added, " +
               std::to_string(diff.removed.size()) + " removed, " +
               std::to_string(diff.changed.size()) + " changed");
  return ReloadReply{diff.added, diff.removed, diff.changed};
}

void ControlHandler::begin_exit(const std::string& why) {
  if (!exiting_) {
    context_.log(why + ": stopping every worker, then exiting");
    exiting_ = true;
  }
  fleet_.stop({});
}

}  // namespace ccproxy::supervisor
