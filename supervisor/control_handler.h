#pragma once
// The supervisor's side of the control channel: one method per request of control_protocol.h,
// each acting on the FleetSupervisor. It also holds the shutdown state (a stop of every worker,
// SIGTERM or SIGINT): once the supervisor is exiting, only status is answered.

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "config/fleet.h"
#include "supervisor/control/control_protocol.h"
#include "supervisor/fleet_supervisor.h"

namespace ccproxy::supervisor {

struct ControlContext {
  int pid = 0;                                // the supervisor's, reported by status
  std::filesystem::path profiles_dir;         // start looks here for profile files it does not know
  std::function<config::Fleet()> load_fleet;  // the home's profiles as they are now
  std::function<void(const std::string&)> log;   // one decision per call
  std::function<void(const std::string&)> warn;  // a problem per call
};

class ControlHandler {
 public:
  ControlHandler(FleetSupervisor& fleet, ControlContext context);

  /// One request as read from the channel -> its reply (what ControlServer::serve_pending
  /// wants). A malformed request gets a refusal saying what is wrong.
  nlohmann::json handle(const nlohmann::json& request);

  StatusReply status() const;
  /// Picks up profile files created since the supervisor started, then starts.
  StartReply start(const StartRequest& request);
  /// Empty names: begins the exit (every worker stops, then the supervisor).
  StopReply stop(const StopRequest& request);
  RestartReply restart(const RestartRequest& request);
  /// Re-reads the profiles: added ones start, removed ones stop, changed ones restart. Profiles
  /// with problems are refused and nothing changes. With names, only those profiles are read
  /// again (only their problems refuse it), the others stay as they run.
  Result<ReloadReply, ControlError> reload(const ReloadRequest& request = {});

  /// Stops every worker; the supervisor exits once all are down. Logged once.
  void begin_exit(const std::string& why);
  bool exiting() const { return exiting_; }

 private:
  void add_new_profiles(const std::vector<std::string>& names);

  FleetSupervisor& fleet_;
  ControlContext context_;
  bool exiting_ = false;
};

}  // namespace ccproxy::supervisor
