#include "supervisor/control_handler.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>

#include "supervisor/supervisor_process.h"
#include "tests/supervisor/fakes.h"

namespace ccproxy::supervisor {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using Names = std::vector<std::string>;
using testing::FakeClock;
using testing::FakeListeners;
using testing::FakeProber;
using testing::FakeProcessTable;

config::Profile profile(std::string name, std::uint16_t port, std::string fingerprint = "f1") {
  config::Profile p;
  p.name = std::move(name);
  p.worker.host = "127.0.0.1";
  p.worker.port = port;
  p.fingerprint = std::move(fingerprint);
  return p;
}

class ControlHandlerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("control_handler_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_ / "pids");
    std::filesystem::create_directories(dir_ / "profiles");
    fleet_.profiles = {profile("glm", 8082), profile("ds", 8083)};
    fleet_.supervisor.stop_timeout = 10s;
    fleet_.supervisor.start_timeout = 15s;

    FleetOptions o;
    o.settings = fleet_.supervisor;
    o.pids_dir = dir_ / "pids";
    o.spawn_spec = [](const WorkerSpec& s) {
      SpawnSpec spec;
      spec.argv = {"/bin/ccproxy", "run", "--profile", s.name};
      return spec;
    };
    o.log = [](const std::string&) {};
    fleet_sup_ =
        std::make_unique<FleetSupervisor>(FleetDeps{procs_, clock_, listeners_, prober_}, o);
    fleet_sup_->set_profiles(worker_specs(fleet_), false);

    ControlContext c;
    c.pid = 4242;
    c.profiles_dir = dir_ / "profiles";
    c.load_fleet = [this] {
      ++loads_;
      return fleet_;
    };
    c.log = [this](const std::string& line) { log_.push_back(line); };
    c.warn = [this](const std::string& line) { warnings_.push_back(line); };
    handler_ = std::make_unique<ControlHandler>(*fleet_sup_, c);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  void write_profile_file(const std::string& name) {
    std::ofstream(dir_ / "profiles" / (name + ".toml")) << "# " << name << "\n";
  }

  WorkerView view(const std::string& name) {
    for (const auto& v : fleet_sup_->view()) {
      if (v.name == name) {
        return v;
      }
    }
    ADD_FAILURE() << "no worker " << name;
    return {};
  }

  std::filesystem::path dir_;
  config::Fleet fleet_;  // what load_fleet returns: the profiles "on disk"
  int loads_ = 0;
  FakeClock clock_;
  FakeProcessTable procs_;
  FakeListeners listeners_{procs_};
  FakeProber prober_;
  std::unique_ptr<FleetSupervisor> fleet_sup_;
  std::unique_ptr<ControlHandler> handler_;
  Names log_;
  Names warnings_;
};

TEST_F(ControlHandlerTest, StatusReportsEveryWorker) {
  StatusReply status = handler_->status();
  EXPECT_EQ(status.pid, 4242);
  EXPECT_TRUE(status.settled);
  EXPECT_FALSE(status.exiting);
  auto views = status.workers_by_name();
  ASSERT_EQ(views.size(), 2u);
  EXPECT_EQ(views["glm"].port, 8082);
  EXPECT_EQ(views["glm"].state, WorkerState::stopped);

  handler_->start({{"glm"}, {}});
  status = handler_->status();
  EXPECT_FALSE(status.settled) << "glm is starting";
  EXPECT_EQ(status.workers_by_name()["glm"].state, WorkerState::starting);
}

TEST_F(ControlHandlerTest, StartStartsTheNamedWorkersAndNamesUnknownOnes) {
  StartReply reply = handler_->start({{"glm", "nope"}, {}});
  EXPECT_EQ(reply.started, Names{"glm"});
  EXPECT_EQ(reply.unknown, Names{"nope"});
  EXPECT_TRUE(reply.already_running.empty());
  ASSERT_EQ(procs_.spawned.size(), 1u);
  EXPECT_EQ(view("glm").pid, procs_.spawned[0]);
  EXPECT_EQ(view("ds").state, WorkerState::stopped);
  EXPECT_EQ(loads_, 1) << "an unknown name makes start read the profiles again";

  reply = handler_->start({{"glm"}, {}});
  EXPECT_TRUE(reply.started.empty());
  EXPECT_EQ(procs_.spawned.size(), 1u) << "a started worker is not spawned twice";
}

TEST_F(ControlHandlerTest, StartReadsTheProfilesOnlyWhenSomethingIsNew) {
  write_profile_file("glm");
  write_profile_file("ds");
  handler_->start({{}, {}});
  EXPECT_EQ(loads_, 0);
  EXPECT_EQ(procs_.spawned.size(), 2u);
}

TEST_F(ControlHandlerTest, StartPicksUpAProfileCreatedSinceTheSupervisorStarted) {
  fleet_.profiles.push_back(profile("fresh", 8090));
  write_profile_file("fresh");
  StartReply reply = handler_->start({{"fresh"}, {}});
  EXPECT_EQ(loads_, 1);
  EXPECT_TRUE(fleet_sup_->has("fresh"));
  EXPECT_EQ(reply.started, Names{"fresh"});
  EXPECT_TRUE(reply.unknown.empty());
  EXPECT_EQ(view("glm").state, WorkerState::stopped) << "known workers are left as they are";
}

TEST_F(ControlHandlerTest, StopOfNamedWorkersLeavesTheSupervisorRunning) {
  handler_->start({{}, {}});
  const int glm = view("glm").pid;
  const int ds = view("ds").pid;
  StopReply reply = handler_->stop({{"glm"}});
  EXPECT_FALSE(reply.exiting);
  EXPECT_EQ(reply.stopping, Names{"glm"});
  EXPECT_FALSE(handler_->exiting());
  EXPECT_TRUE(procs_.got(glm, SIGTERM));
  EXPECT_FALSE(procs_.got(ds, SIGTERM));
}

TEST_F(ControlHandlerTest, StopOfEverythingBeginsTheExitAndThenOnlyStatusIsAnswered) {
  handler_->start({{}, {}});
  StopReply reply = handler_->stop({{}});
  EXPECT_TRUE(reply.exiting);
  EXPECT_TRUE(handler_->exiting());
  EXPECT_TRUE(procs_.got(procs_.spawned[0], SIGTERM));
  EXPECT_TRUE(procs_.got(procs_.spawned[1], SIGTERM));
  ASSERT_EQ(log_.size(), 1u);
  EXPECT_EQ(log_[0], "stop requested for every worker: stopping every worker, then exiting");

  handler_->begin_exit("SIGTERM");
  EXPECT_EQ(log_.size(), 1u) << "the exit is logged once";

  json refused = handler_->handle(json{{"op", "start"}, {"names", Names{}}});
  EXPECT_EQ(refused, (json{{"ok", false}, {"error", "the supervisor is shutting down"}}));
  json status = handler_->handle(json{{"op", "status"}});
  EXPECT_EQ(status["ok"], true);
  EXPECT_EQ(status["exiting"], true);
  EXPECT_EQ(status["pid"], 4242);
}

TEST_F(ControlHandlerTest, RestartNamesTheWorkersItRestarts) {
  handler_->start({{}, {}});
  for (int pid : procs_.spawned) {
    listeners_.owners[procs_.identity(pid)->cmdline.back() == "glm" ? 8082 : 8083] = pid;
  }
  prober_.health[8082] = HealthKind::ok;
  prober_.health[8083] = HealthKind::ok;
  fleet_sup_->tick();
  ASSERT_EQ(view("glm").state, WorkerState::running);
  RestartReply reply = handler_->restart({{"glm"}});
  EXPECT_EQ(reply.restarting, Names{"glm"});
}

TEST_F(ControlHandlerTest, ReloadAppliesTheProfilesAsTheyAreNow) {
  fleet_.profiles = {profile("glm", 8082, "f2"), profile("new", 8090)};
  auto reply = handler_->reload();
  ASSERT_TRUE(reply) << reply.error().message;
  EXPECT_EQ(reply->added, Names{"new"});
  EXPECT_EQ(reply->removed, Names{"ds"});
  EXPECT_EQ(reply->changed, Names{"glm"});
  EXPECT_TRUE(fleet_sup_->has("new"));
  ASSERT_FALSE(log_.empty());
  EXPECT_EQ(log_.back(), "reload: 1 added, 1 removed, 1 changed");
}

TEST_F(ControlHandlerTest, ReloadRefusesProfilesWithProblemsAndChangesNothing) {
  config::Diagnostic d;
  d.file = "profiles/glm.toml";
  d.line = 3;
  d.message = "not a URL";
  fleet_.problems = {d};
  fleet_.profiles = {profile("new", 8090)};
  auto reply = handler_->reload();
  ASSERT_FALSE(reply);
  EXPECT_EQ(reply.error().message, "profiles have problems; nothing changed");
  EXPECT_EQ(reply.error().problems, Names{d.str()});
  EXPECT_EQ(warnings_, Names{"reload refused: " + d.str()});
  EXPECT_FALSE(fleet_sup_->has("new"));
  EXPECT_TRUE(fleet_sup_->has("ds"));

  json wire = handler_->handle(json{{"op", "reload"}});
  EXPECT_EQ(wire["ok"], false);
  EXPECT_EQ(wire["problems"], json::array({d.str()}));
}

TEST_F(ControlHandlerTest, HandleAnswersEachOpOnTheWire) {
  json start = handler_->handle(json{{"op", "start"}, {"names", {"glm"}}, {"takeover", Names{}}});
  EXPECT_EQ(start, (json{{"ok", true},
                         {"already_running", json::array()},
                         {"started", {"glm"}},
                         {"unknown", json::array()}}));
  json unknown = handler_->handle(json{{"op", "start"}, {"names", {"zz"}}});
  EXPECT_EQ(unknown["ok"], false);
  EXPECT_EQ(unknown["unknown"], json::array({"zz"}));
  json stop = handler_->handle(json{{"op", "stop"}, {"names", {"glm"}}});
  EXPECT_EQ(stop, (json{{"ok", true}, {"stopping", {"glm"}}}));
  json restart = handler_->handle(json{{"op", "restart"}, {"names", {"ds"}}});
  EXPECT_EQ(restart["ok"], true);
  EXPECT_TRUE(restart["restarting"].is_array());
}

TEST_F(ControlHandlerTest, AMalformedRequestIsRefusedWithTheReason) {
  EXPECT_EQ(handler_->handle(json{{"op", "bogus"}}),
            (json{{"ok", false}, {"error", "unknown op 'bogus'"}}));
  EXPECT_EQ(handler_->handle(json{{"op", "stop"}, {"names", "glm"}}),
            (json{{"ok", false}, {"error", "bad request: \"names\" is not a list of names"}}));
  EXPECT_FALSE(handler_->exiting()) << "a malformed stop must not stop everything";
  EXPECT_TRUE(procs_.signals.empty());
}

}  // namespace
}  // namespace ccproxy::supervisor
