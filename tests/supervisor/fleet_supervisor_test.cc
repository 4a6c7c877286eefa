#include "supervisor/fleet_supervisor.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "supervisor/os/pid_file.h"
#include "tests/supervisor/fleet_fixture.h"

namespace ccproxy::supervisor {
namespace {

TEST_F(FleetTest, StartingBecomesRunningOnlyWhenItsPortIsBoundByItAndHealthy) {
  auto& f = make({spec("glm", 8082)});
  auto out = f.start({}, {});
  EXPECT_EQ(out.started, std::vector<std::string>{"glm"});
  ASSERT_EQ(procs_.spawned.size(), 1u);
  int pid = procs_.spawned[0];
  EXPECT_EQ(view("glm").state, WorkerState::starting);
  EXPECT_EQ(view("glm").pid, pid);

  // /health would answer, but the port is not bound by that pid yet.
  prober_.health[8082] = HealthKind::ok;
  f.tick();
  EXPECT_EQ(view("glm").state, WorkerState::starting);
  // Bound, but /health says 500.
  listeners_.owners[8082] = pid;
  prober_.health[8082] = HealthKind::http;
  f.tick();
  EXPECT_EQ(view("glm").state, WorkerState::starting);
  prober_.health[8082] = HealthKind::ok;
  f.tick();
  EXPECT_EQ(view("glm").state, WorkerState::running);

  // The pid file records the identity of the process.
  auto rec = read_pid_file(pid_file_path(dir_, "glm"));
  ASSERT_TRUE(rec && rec.value());
  EXPECT_EQ(rec.value()->pid, pid);
  EXPECT_EQ(rec.value()->port, 8082);
  EXPECT_EQ(rec.value()->identity.cmdline, procs_.procs[pid].id.cmdline);

  // A second start is a no-op.
  auto again = f.start({}, {});
  EXPECT_EQ(again.already_running, std::vector<std::string>{"glm"});
  EXPECT_EQ(procs_.spawned.size(), 1u);
}

TEST_F(FleetTest, CrashRestartsAfterBackoffAndCountsRestarts) {
  auto& f = make({spec("glm", 8082)});
  f.start({}, {});
  become_ready(8082);
  f.tick();
  ASSERT_EQ(view("glm").state, WorkerState::running);

  procs_.exit(procs_.spawned[0], ExitStatus{true, SIGKILL, true});
  f.tick();
  auto v = view("glm");
  EXPECT_EQ(v.state, WorkerState::backoff);
  ASSERT_TRUE(v.last_exit.has_value());
  EXPECT_TRUE(v.last_exit->signaled);
  EXPECT_EQ(v.last_exit->code, SIGKILL);
  EXPECT_FALSE(std::filesystem::exists(pid_file_path(dir_, "glm")));

  run_for(900ms);
  EXPECT_EQ(procs_.spawned.size(), 1u) << "restarted before the 1 s backoff";
  run_for(200ms);
  ASSERT_EQ(procs_.spawned.size(), 2u);
  EXPECT_EQ(view("glm").state, WorkerState::starting);
  become_ready(8082);
  f.tick();
  v = view("glm");
  EXPECT_EQ(v.state, WorkerState::running);
  EXPECT_EQ(v.restarts, 1);
  EXPECT_EQ(v.pid, procs_.spawned[1]);
}

TEST_F(FleetTest, ChildExitingBetweenWaitpidAndTheLivenessCheckKeepsItsExitStatus) {
  auto& f = make({spec("glm", 8082)});
  f.start({}, {});
  become_ready(8082);
  f.tick();
  ASSERT_EQ(view("glm").state, WorkerState::running);

  int pid = procs_.spawned[0];
  procs_.exits_just_after_waitpid[pid] = ExitStatus{false, 1, true};
  f.tick();
  auto v = view("glm");
  EXPECT_EQ(v.state, WorkerState::backoff);
  ASSERT_TRUE(v.last_exit.has_value());
  EXPECT_TRUE(v.last_exit->known);
  EXPECT_FALSE(v.last_exit->signaled);
  EXPECT_EQ(v.last_exit->code, 1);
  EXPECT_TRUE(procs_.procs[pid].reaped) << "the zombie must be reaped";
}

TEST_F(FleetTest, ExitedChildNotYetReapableIsWaitedForAndKeepsItsSignal) {
  // A killed multi-threaded worker: its leader is a zombie before waitpid can take it.
  auto& f = make({spec("glm", 8082)});
  f.start({}, {});
  become_ready(8082);
  f.tick();
  ASSERT_EQ(view("glm").state, WorkerState::running);

  int pid = procs_.spawned[0];
  procs_.exit(pid, ExitStatus{true, 9, true});
  procs_.not_yet_reapable.insert(pid);
  f.tick();
  EXPECT_EQ(view("glm").pid, pid) << "not given up as an unknown exit";
  EXPECT_FALSE(view("glm").last_exit.has_value());

  procs_.not_yet_reapable.erase(pid);
  f.tick();
  auto v = view("glm");
  EXPECT_EQ(v.state, WorkerState::backoff);
  ASSERT_TRUE(v.last_exit.has_value());
  EXPECT_TRUE(v.last_exit->known);
  EXPECT_TRUE(v.last_exit->signaled);
  EXPECT_EQ(v.last_exit->code, 9);
  EXPECT_TRUE(procs_.procs[pid].reaped);
}

TEST_F(FleetTest, AlwaysCrashingWorkerGoesFatalAfterFiveFailures) {
  auto& f = make({spec("bad", 8090)});
  f.start({}, {});
  std::vector<long long> gaps;
  TimePoint last = clock_.now();
  for (int i = 0; i < 20 && view("bad").state != WorkerState::fatal; ++i) {
    procs_.exit(procs_.spawned.back(), ExitStatus{false, 1, true});
    f.tick();
    std::size_t before = procs_.spawned.size();
    for (int k = 0;
         k < 400 && procs_.spawned.size() == before && view("bad").state != WorkerState::fatal;
         ++k) {
      clock_.advance(100ms);
      f.tick();
    }
    if (procs_.spawned.size() > before) {
      gaps.push_back(std::chrono::duration_cast<std::chrono::seconds>(clock_.now() - last).count());
      last = clock_.now();
    }
  }
  EXPECT_EQ(view("bad").state, WorkerState::fatal);
  EXPECT_EQ(procs_.spawned.size(), 5u);  // the first start and four restarts
  EXPECT_EQ(gaps, (std::vector<long long>{1, 2, 4, 8}));
  EXPECT_NE(view("bad").message.find("failed 5 times"), std::string::npos);
  // Stays down.
  run_for(120s, 1s);
  EXPECT_EQ(procs_.spawned.size(), 5u);
  // Until start.
  f.start({"bad"}, {});
  EXPECT_EQ(procs_.spawned.size(), 6u);
  EXPECT_EQ(view("bad").state, WorkerState::starting);
}

TEST_F(FleetTest, WorkerFailingHealthChecksIsRestarted) {
  auto& f = make({spec("glm", 8082)});
  f.start({}, {});
  become_ready(8082);
  f.tick();
  int first = procs_.spawned[0];
  prober_.health[8082] = HealthKind::timeout;  // hung
  run_for(5s);
  run_for(5s);
  EXPECT_EQ(view("glm").state, WorkerState::running) << "two failed probes are not enough";
  EXPECT_FALSE(procs_.got(first, SIGTERM));
  run_for(5s);
  EXPECT_TRUE(procs_.got(first, SIGTERM));
  // It exited on SIGTERM; once the port is free it goes through backoff and comes back.
  run_for(1500ms);
  ASSERT_EQ(procs_.spawned.size(), 2u);
  become_ready(8082);
  f.tick();
  EXPECT_EQ(view("glm").state, WorkerState::running);
  EXPECT_EQ(view("glm").restarts, 1);
}

TEST_F(FleetTest, StopSendsTermThenKillToTheGroupAndWaitsForThePort) {
  auto& f = make({spec("glm", 8082)});
  f.start({}, {});
  become_ready(8082);
  f.tick();
  int pid = procs_.spawned[0];
  procs_.exit_on_term = false;  // a worker that ignores SIGTERM
  f.stop({"glm"});
  EXPECT_EQ(view("glm").state, WorkerState::stopping);
  ASSERT_FALSE(procs_.signals.empty());
  EXPECT_EQ(procs_.signals[0].sig, SIGTERM);
  EXPECT_TRUE(procs_.signals[0].group);
  run_for(9900ms);
  EXPECT_FALSE(procs_.got(pid, SIGKILL));
  EXPECT_EQ(view("glm").state, WorkerState::stopping);
  run_for(200ms);
  EXPECT_TRUE(procs_.got(pid, SIGKILL));
  f.tick();
  EXPECT_EQ(view("glm").state, WorkerState::stopped);
  EXPECT_EQ(view("glm").pid, 0);
  EXPECT_FALSE(std::filesystem::exists(pid_file_path(dir_, "glm")));
  EXPECT_TRUE(f.all_down());
  // A stop is not a crash: nothing restarts it.
  run_for(60s, 1s);
  EXPECT_EQ(procs_.spawned.size(), 1u);
}

TEST_F(FleetTest, StoppedOnlyOnceThePortIsFree) {
  auto& f = make({spec("glm", 8082)});
  f.start({}, {});
  become_ready(8082);
  f.tick();
  // The process exits, but a leftover process still listens on the port for a while.
  int straggler = procs_.add_foreign({"leftover"});
  f.stop({"glm"});
  listeners_.owners[8082] = straggler;
  f.tick();
  EXPECT_EQ(view("glm").state, WorkerState::stopping);
  procs_.exit(straggler, ExitStatus{});
  f.tick();
  EXPECT_EQ(view("glm").state, WorkerState::stopped);
  EXPECT_EQ(procs_.signals_to(straggler), 0) << "a process merely holding the port is not ours";
}

TEST_F(FleetTest, ForeignListenerIsAConflictAndIsLeftAlone) {
  auto& f = make({spec("glm", 8082)});
  int foreign = procs_.add_foreign({"python3", "start_proxy.py"});
  listeners_.owners[8082] = foreign;
  f.start({}, {});
  auto v = view("glm");
  EXPECT_EQ(v.state, WorkerState::conflict);
  EXPECT_NE(v.message.find("port 8082 is held by pid " + std::to_string(foreign) +
                           " (python3 start_proxy.py)"),
            std::string::npos)
      << v.message;
  EXPECT_TRUE(procs_.spawned.empty());
  run_for(30s, 1s);
  EXPECT_EQ(procs_.signals_to(foreign), 0);
  EXPECT_TRUE(procs_.spawned.empty());
}

TEST_F(FleetTest, TakeoverStopsTheForeignListenerThenStarts) {
  auto& f = make({spec("glm", 8082)});
  int foreign = procs_.add_foreign({"python3", "start_proxy.py"});
  listeners_.owners[8082] = foreign;
  f.start({"glm"}, {"glm"});
  EXPECT_TRUE(procs_.got(foreign, SIGTERM));
  EXPECT_FALSE(procs_.signals[0].group) << "a foreign process is signalled alone, not its group";
  f.tick();
  ASSERT_EQ(procs_.spawned.size(), 1u);
  EXPECT_EQ(view("glm").state, WorkerState::starting);
}

TEST_F(FleetTest, HiddenListenerIsAConflict) {
  auto& f = make({spec("glm", 8082)});
  listeners_.owners[8082] = -1;
  f.start({}, {"glm"});
  EXPECT_EQ(view("glm").state, WorkerState::conflict);
  EXPECT_TRUE(procs_.signals.empty());
  EXPECT_TRUE(procs_.spawned.empty());
}

TEST_F(FleetTest, AdoptsOurHealthyWorkerFromAnEarlierSupervisor) {
  int pid = procs_.add_foreign({"/bin/ccproxy", "run", "--profile", "glm"});
  PidRecord r;
  r.pid = pid;
  r.profile = "glm";
  r.port = 8082;
  r.identity = *procs_.identity(pid);
  ASSERT_TRUE(write_pid_file(pid_file_path(dir_, "glm"), r));
  listeners_.owners[8082] = pid;
  prober_.health[8082] = HealthKind::ok;
  auto& f = make({spec("glm", 8082)});
  f.adopt_running();
  auto v = view("glm");
  EXPECT_EQ(v.state, WorkerState::running);
  EXPECT_EQ(v.pid, pid);
  EXPECT_TRUE(v.adopted);
  EXPECT_TRUE(procs_.spawned.empty());
  EXPECT_TRUE(procs_.signals.empty());
  // A crash of an adopted worker (not our child) is noticed too.
  procs_.exit(pid, ExitStatus{});
  f.tick();
  EXPECT_EQ(view("glm").state, WorkerState::backoff);
  EXPECT_FALSE(view("glm").last_exit->known);
}

TEST_F(FleetTest, ReplacesOurUnhealthyWorker) {
  int pid = procs_.add_foreign({"/bin/ccproxy", "run", "--profile", "glm"});
  PidRecord r{pid, "glm", 8082, *procs_.identity(pid)};
  ASSERT_TRUE(write_pid_file(pid_file_path(dir_, "glm"), r));
  listeners_.owners[8082] = pid;
  prober_.health[8082] = HealthKind::timeout;
  auto& f = make({spec("glm", 8082)});
  f.start({}, {});
  EXPECT_TRUE(procs_.got(pid, SIGTERM));
  f.tick();
  ASSERT_EQ(procs_.spawned.size(), 1u);
  EXPECT_EQ(view("glm").state, WorkerState::starting);
}

TEST_F(FleetTest, OurWorkerWithoutAPidFileIsRecognisedByItsCommandLine) {
  // Same argv as the supervisor would spawn for glm, but pids/glm.json is gone.
  int pid = procs_.add_foreign({"/bin/ccproxy", "run", "--profile", "glm"});
  listeners_.owners[8082] = pid;
  prober_.health[8082] = HealthKind::ok;
  auto& f = make({spec("glm", 8082)});
  f.start({}, {});
  EXPECT_EQ(view("glm").state, WorkerState::running);
  EXPECT_EQ(view("glm").pid, pid);
  EXPECT_TRUE(procs_.spawned.empty());
  EXPECT_TRUE(procs_.signals.empty());
  auto rec = read_pid_file(pid_file_path(dir_, "glm"));
  ASSERT_TRUE(rec && rec.value());
  EXPECT_EQ(rec.value()->pid, pid);
}

TEST_F(FleetTest, AWorkerOfAnotherProfileIsForeign) {
  int pid = procs_.add_foreign({"/bin/ccproxy", "run", "--profile", "kimi"});
  listeners_.owners[8082] = pid;
  prober_.health[8082] = HealthKind::ok;
  auto& f = make({spec("glm", 8082)});
  f.start({}, {});
  EXPECT_EQ(view("glm").state, WorkerState::conflict);
  EXPECT_TRUE(procs_.signals.empty());
}

TEST_F(FleetTest, StalePidFileOfAReusedPidIsRemovedAndNeverSignalled) {
  int stranger = procs_.add_foreign({"sleep", "60"});
  PidRecord r;
  r.pid = stranger;
  r.profile = "glm";
  r.port = 8082;
  r.identity = *procs_.identity(stranger);
  r.identity.start_time += 1;  // the pid was reused by another process
  ASSERT_TRUE(write_pid_file(pid_file_path(dir_, "glm"), r));
  auto& f = make({spec("glm", 8082)});
  f.adopt_running();
  EXPECT_FALSE(std::filesystem::exists(pid_file_path(dir_, "glm")));
  EXPECT_EQ(view("glm").state, WorkerState::stopped);
  f.start({}, {});
  f.stop({});
  run_for(1s);
  EXPECT_EQ(procs_.signals_to(stranger), 0);
  EXPECT_TRUE(procs_.alive(stranger));
}

// A restart hands the port over: the successor starts beside the running worker, which is
// told to hand over (SIGUSR2) only once the successor is ready; the next worker's turn comes
// once the outgoing one closed its listener.
TEST_F(FleetTest, RestartIsRollingOneAtATime) {
  auto& f = make({spec("a", 8081), spec("b", 8082), spec("c", 8083)});
  f.start({}, {});
  for (std::size_t i = 0; i < 3; ++i) {
    listeners_.owners[static_cast<std::uint16_t>(8081 + i)] = procs_.spawned[i];
    prober_.health[static_cast<std::uint16_t>(8081 + i)] = HealthKind::ok;
  }
  f.tick();
  std::vector<int> old = procs_.spawned;
  f.restart({});
  f.tick();
  // Only the first has a successor; nobody was signalled: the old ones keep serving.
  ASSERT_EQ(procs_.spawned.size(), 4u);
  EXPECT_EQ(procs_.signals_to(old[0]), 0);
  run_for(1s);
  EXPECT_EQ(procs_.signals_to(old[0]), 0) << "told to hand over before the successor is ready";
  EXPECT_EQ(procs_.spawned.size(), 4u) << "next restarted before the first was through";
  for (std::size_t i = 0; i < 3; ++i) {
    const auto port = static_cast<std::uint16_t>(8081 + i);
    successor_listens(port);
    f.tick();
    EXPECT_TRUE(procs_.got(old[i], SIGUSR2));
    EXPECT_FALSE(procs_.got(old[i], SIGTERM));
    EXPECT_EQ(view(std::string(1, static_cast<char>('a' + i))).pid, procs_.spawned.back());
    // The next one waits while the outgoing worker still listens.
    f.tick();
    EXPECT_EQ(procs_.spawned.size(), 4u + i);
    successor_owns(port, procs_.spawned.back());
    f.tick();
    f.tick();
  }
  ASSERT_EQ(procs_.spawned.size(), 6u);
  EXPECT_TRUE(f.settled());
  for (const auto& v : f.view()) {
    EXPECT_EQ(v.state, WorkerState::running) << v.name;
    EXPECT_EQ(v.restarts, 0) << "a requested restart is not a crash";
  }
  EXPECT_FALSE(f.all_down());
  // The outgoing workers are waited for; one that does not exit is killed after stop_timeout.
  procs_.exit(old[0], ExitStatus{false, 0, true});
  procs_.exit(old[1], ExitStatus{false, 0, true});
  run_for(12s);
  EXPECT_FALSE(procs_.got(old[0], SIGKILL));
  EXPECT_TRUE(procs_.got(old[2], SIGKILL));
}

TEST_F(FleetTest, HandoverSpawnsTheSuccessorWithTheHandoverVariable) {
  auto& f = make({spec("a", 8081)});
  f.start({}, {});
  become_ready(8081);
  f.tick();
  f.restart({"a"});
  ASSERT_EQ(procs_.spawned.size(), 2u);
  EXPECT_EQ(procs_.spawn_env.back(),
            (std::vector<std::pair<std::string, std::string>>{{kHandoverVariable, "1"}}));
  EXPECT_TRUE(procs_.spawn_env.front().empty()) << "a first start is no successor";
}

TEST_F(FleetTest, FailedSuccessorLeavesTheOldWorkerServing) {
  auto& f = make({spec("a", 8081)});
  f.start({}, {});
  become_ready(8081);
  f.tick();
  const int old = procs_.spawned[0];
  f.restart({"a"});
  ASSERT_EQ(procs_.spawned.size(), 2u);
  procs_.exit(procs_.spawned[1], ExitStatus{false, 1, true});  // e.g. it could not bind
  f.tick();
  EXPECT_EQ(view("a").state, WorkerState::running);
  EXPECT_EQ(view("a").pid, old);
  EXPECT_EQ(procs_.signals_to(old), 0);
  EXPECT_NE(view("a").message.find("keeps serving"), std::string::npos) << view("a").message;
  EXPECT_TRUE(f.settled());

  // A successor that never gets ready: stopped after the start timeout, the old one stays.
  f.restart({"a"});
  ASSERT_EQ(procs_.spawned.size(), 3u);
  run_for(15500ms);
  EXPECT_TRUE(procs_.got(procs_.spawned[2], SIGTERM));
  run_for(200ms);
  EXPECT_EQ(view("a").pid, old);
  EXPECT_EQ(view("a").state, WorkerState::running);
  EXPECT_EQ(procs_.signals_to(old), 0);
}

TEST_F(FleetTest, PortChangeOrForeignWorkerRestartsTheOldWay) {
  auto& f = make({spec("a", 8081)});
  f.start({}, {});
  become_ready(8081);
  f.tick();
  const int old = procs_.spawned[0];
  f.set_profiles({spec("a", 8090, "f2")}, true);
  f.tick();
  EXPECT_TRUE(procs_.got(old, SIGTERM)) << "a new port cannot be handed over";
  EXPECT_FALSE(procs_.got(old, SIGUSR2));
}

TEST_F(FleetTest, StopDuringAHandoverStopsBothWorkers) {
  auto& f = make({spec("a", 8081)});
  f.start({}, {});
  become_ready(8081);
  f.tick();
  const int old = procs_.spawned[0];
  f.restart({"a"});
  f.stop({});
  EXPECT_TRUE(procs_.got(old, SIGTERM));
  EXPECT_TRUE(procs_.got(procs_.spawned[1], SIGTERM));
  run_for(3s);
  EXPECT_TRUE(f.all_down());
}

TEST_F(FleetTest, ReloadRestartsOnlyChangedStartsAddedStopsRemoved) {
  auto& f = make({spec("a", 8081), spec("b", 8082), spec("c", 8083)});
  f.start({}, {});
  for (std::size_t i = 0; i < 3; ++i) {
    listeners_.owners[static_cast<std::uint16_t>(8081 + i)] = procs_.spawned[i];
    prober_.health[static_cast<std::uint16_t>(8081 + i)] = HealthKind::ok;
  }
  f.tick();
  std::vector<int> old = procs_.spawned;
  auto diff = f.set_profiles({spec("a", 8081), spec("b", 8082, "f2"), spec("d", 8084)}, true);
  EXPECT_EQ(diff.added, std::vector<std::string>{"d"});
  EXPECT_EQ(diff.removed, std::vector<std::string>{"c"});
  EXPECT_EQ(diff.changed, std::vector<std::string>{"b"});
  EXPECT_FALSE(procs_.got(old[0], SIGTERM)) << "unchanged a must keep running";
  EXPECT_FALSE(procs_.got(old[1], SIGTERM)) << "changed b is handed over, not stopped first";
  EXPECT_TRUE(procs_.got(old[2], SIGTERM));
  successor_listens(8082);
  f.tick();
  EXPECT_TRUE(procs_.got(old[1], SIGUSR2));
  run_for(500ms);
  EXPECT_FALSE(f.has("c"));
  EXPECT_EQ(view("a").pid, old[0]);
  EXPECT_NE(view("b").pid, old[1]);
  EXPECT_TRUE(view("d").pid > 0);
}

TEST_F(FleetTest, StartTimeoutCountsAsAFailure) {
  auto& f = make({spec("slow", 8085)});
  f.start({}, {});
  int pid = procs_.spawned[0];
  run_for(15100ms);
  EXPECT_TRUE(procs_.got(pid, SIGTERM));
  f.tick();
  EXPECT_EQ(view("slow").state, WorkerState::backoff);
}

TEST_F(FleetTest, StopAllFromBackoffAndFatalLeavesNothing) {
  auto& f = make({spec("a", 8081), spec("b", 8082)});
  f.start({}, {});
  procs_.exit(procs_.spawned[0], ExitStatus{false, 1, true});
  f.tick();
  EXPECT_EQ(view("a").state, WorkerState::backoff);
  f.stop({});
  run_for(5s);
  EXPECT_TRUE(f.all_down());
  EXPECT_EQ(procs_.spawned.size(), 2u) << "a stopped worker in backoff must not come back";
}

}  // namespace
}  // namespace ccproxy::supervisor
