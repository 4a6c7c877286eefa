#pragma once
// The fixture of the FleetSupervisor tests: a supervisor over the fakes of fakes.h, a pid
// directory of its own per test, and helpers that drive the fake processes and time.

#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "supervisor/fleet_supervisor.h"
#include "tests/supervisor/fakes.h"

namespace ccproxy::supervisor {

using namespace std::chrono_literals;
using testing::FakeClock;
using testing::FakeListeners;
using testing::FakeProber;
using testing::FakeProcessTable;

class FleetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("fleet_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    settings_.health_interval = 5s;
    settings_.stop_timeout = 10s;
    settings_.start_timeout = 15s;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  FleetSupervisor& make(std::vector<WorkerSpec> specs,
                        const std::function<void(FleetOptions&)>& adjust = nullptr) {
    FleetOptions o;
    o.settings = settings_;
    o.pids_dir = dir_;
    o.spawn_spec = [](const WorkerSpec& s) {
      SpawnSpec spec;
      spec.argv = {"/bin/ccproxy", "run", "--profile", s.name};
      return spec;
    };
    o.log = [this](const std::string& line) { log_.push_back(line); };
    if (adjust) {
      adjust(o);
    }
    fleet_ = std::make_unique<FleetSupervisor>(FleetDeps{procs_, clock_, listeners_, prober_}, o);
    fleet_->set_profiles(specs, false);
    return *fleet_;
  }

  static WorkerSpec spec(std::string name, std::uint16_t port, std::string fp = "f1") {
    WorkerSpec s;
    s.name = std::move(name);
    s.port = port;
    s.fingerprint = std::move(fp);
    return s;
  }

  WorkerView view(const std::string& name) {
    for (const auto& v : fleet_->view()) {
      if (v.name == name) {
        return v;
      }
    }
    ADD_FAILURE() << "no worker " << name;
    return {};
  }

  // The newest spawned process binds its port and answers /health.
  void become_ready(std::uint16_t port) {
    listeners_.owners[port] = procs_.spawned.back();
    prober_.health[port] = HealthKind::ok;
  }

  // Handover: the newest spawned process listens beside the port's owner (SO_REUSEPORT) and
  // answers /health.
  void successor_listens(std::uint16_t port) {
    listeners_.sharing[port].insert(procs_.spawned.back());
    prober_.health[port] = HealthKind::ok;
  }
  // Handover: the outgoing worker closed its listener; the successor owns the port.
  void successor_owns(std::uint16_t port, int successor) {
    listeners_.sharing[port].erase(successor);
    listeners_.owners[port] = successor;
  }

  // Runs the supervisor loop for `total` of fake time in small steps.
  void run_for(Duration total, Duration step = 100ms) {
    for (Duration t{}; t < total; t += step) {
      clock_.advance(step);
      fleet_->tick();
    }
  }

  std::filesystem::path dir_;
  config::SupervisorSettings settings_;
  FakeClock clock_;
  FakeProcessTable procs_;
  FakeListeners listeners_{procs_};
  FakeProber prober_;
  std::vector<std::string> log_;
  std::unique_ptr<FleetSupervisor> fleet_;
};

}  // namespace ccproxy::supervisor
