// FleetSupervisor against forged pid files, a removed pids/ and workers kept busy by someone
// else (slowloris): the rules of fleet_launch.cc and fleet_tick.cc that guard against them.
#include <gtest/gtest.h>

#include <filesystem>

#include "supervisor/fleet_supervisor.h"
#include "supervisor/os/pid_file.h"
#include "tests/supervisor/fleet_fixture.h"

namespace ccproxy::supervisor {
namespace {

TEST_F(FleetTest, ForgedPidFileWithTheTrueIdentityOfAStrangerIsNeverSignalled) {
  // Everything a forger can read from /proc: pid, start time, boot id, command line.
  int stranger = procs_.add_foreign({"sleep", "60"});
  PidRecord r{stranger, "glm", 8082, *procs_.identity(stranger)};
  ASSERT_TRUE(write_pid_file(pid_file_path(dir_, "glm"), r));
  auto& f = make({spec("glm", 8082)});
  f.adopt_running();
  EXPECT_FALSE(std::filesystem::exists(pid_file_path(dir_, "glm")));
  EXPECT_EQ(view("glm").state, WorkerState::stopped);
  ASSERT_TRUE(write_pid_file(pid_file_path(dir_, "glm"), r));
  f.start({}, {});
  ASSERT_EQ(procs_.spawned.size(), 1u);
  EXPECT_EQ(view("glm").pid, procs_.spawned[0]);
  f.stop({});
  run_for(1s);
  EXPECT_EQ(procs_.signals_to(stranger), 0);
  EXPECT_TRUE(procs_.alive(stranger));
}

TEST_F(FleetTest, OurCommandLineRunByAnotherProgramIsNeitherAdoptedNorSignalled) {
  // `exec -a /bin/ccproxy ...`: our argv, another executable, holding our port.
  int mimic = procs_.add_foreign({"/bin/ccproxy", "run", "--profile", "glm"});
  procs_.procs[mimic].id.exe = "/usr/bin/python3";
  PidRecord r{mimic, "glm", 8082, *procs_.identity(mimic)};
  ASSERT_TRUE(write_pid_file(pid_file_path(dir_, "glm"), r));
  listeners_.owners[8082] = mimic;
  prober_.health[8082] = HealthKind::ok;
  auto& f = make({spec("glm", 8082)});
  f.start({}, {});
  EXPECT_EQ(view("glm").state, WorkerState::conflict);
  EXPECT_FALSE(view("glm").adopted);
  EXPECT_TRUE(procs_.signals.empty());
  EXPECT_TRUE(procs_.spawned.empty());
}

TEST_F(FleetTest, RemovedPidsDirIsMadeAgainWithThePidFiles) {
  int restored = 0;
  const auto pids = dir_ / "pids";
  std::filesystem::create_directories(pids);
  auto& f = make({spec("a", 8081), spec("b", 8082)}, [&](FleetOptions& o) {
    o.pids_dir = pids;
    o.pids_dir_restored = [&restored] { ++restored; };
  });
  f.start({}, {});
  listeners_.owners[8081] = procs_.spawned[0];
  listeners_.owners[8082] = procs_.spawned[1];
  prober_.health[8081] = prober_.health[8082] = HealthKind::ok;
  f.tick();
  ASSERT_EQ(view("a").state, WorkerState::running);
  ASSERT_TRUE(std::filesystem::exists(pid_file_path(pids, "a")));

  std::filesystem::remove_all(pids);
  f.tick();
  EXPECT_EQ(restored, 1);
  for (const char* name : {"a", "b"}) {
    auto rec = read_pid_file(pid_file_path(pids, name));
    ASSERT_TRUE(rec && rec.value()) << name;
    EXPECT_EQ(rec.value()->pid, view(name).pid);
  }
  f.tick();
  EXPECT_EQ(restored, 1) << "made again once";
  EXPECT_TRUE(procs_.signals.empty());
}

// The newest worker binds its port, answers /health once (ready), then never again while it
// lives: what filling its connections (slowloris) looks like from here.
void become_ready_then_unresponsive(FleetSupervisor& f, FakeProcessTable& procs,
                                    FakeListeners& listeners, FakeProber& prober,
                                    std::uint16_t port) {
  listeners.owners[port] = procs.spawned.back();
  prober.health[port] = HealthKind::ok;
  f.tick();
  prober.health[port] = HealthKind::timeout;
}

TEST_F(FleetTest, AliveWorkerThatStopsAnsweringIsRestartedButNeverFatal) {
  auto& f = make({spec("glm", 8082)});
  f.start({}, {});
  for (int round = 0; round < 12; ++round) {
    std::size_t before = procs_.spawned.size();
    become_ready_then_unresponsive(f, procs_, listeners_, prober_, 8082);
    ASSERT_EQ(view("glm").state, WorkerState::running) << round;
    for (int k = 0; k < 1000 && procs_.spawned.size() == before; ++k) {
      clock_.advance(100ms);
      f.tick();
      ASSERT_NE(view("glm").state, WorkerState::fatal) << round;
    }
    ASSERT_EQ(procs_.spawned.size(), before + 1) << "round " << round << " was not restarted";
    EXPECT_TRUE(procs_.got(procs_.spawned[before - 1], SIGTERM));
  }
  EXPECT_EQ(view("glm").restarts, 12);
}

TEST_F(FleetTest, AliveWorkerNeverAnsweringItsReadyProbeIsRestartedButNeverFatal) {
  auto& f = make({spec("glm", 8082)});
  f.start({}, {});
  for (int round = 0; round < 8; ++round) {
    std::size_t before = procs_.spawned.size();
    listeners_.owners[8082] = procs_.spawned.back();  // bound, but /health times out
    prober_.health[8082] = HealthKind::timeout;
    for (int k = 0; k < 2000 && procs_.spawned.size() == before; ++k) {
      clock_.advance(100ms);
      f.tick();
      ASSERT_NE(view("glm").state, WorkerState::fatal) << round;
    }
    ASSERT_EQ(procs_.spawned.size(), before + 1) << round;
  }
}

TEST_F(FleetTest, WorkerAnsweringWithAnErrorOrNoLongerHoldingItsPortStillGoesFatal) {
  for (HealthKind kind : {HealthKind::http, HealthKind::timeout}) {
    auto& f = make({spec("glm", 8082)});
    f.start({}, {});
    for (int round = 0; round < 10 && view("glm").state != WorkerState::fatal; ++round) {
      std::size_t before = procs_.spawned.size();
      become_ready_then_unresponsive(f, procs_, listeners_, prober_, 8082);
      prober_.health[8082] = kind;
      if (kind == HealthKind::timeout) {
        listeners_.owners.erase(8082);  // alive, but its port is no longer its own
      }
      for (int k = 0;
           k < 1000 && procs_.spawned.size() == before && view("glm").state != WorkerState::fatal;
           ++k) {
        clock_.advance(100ms);
        f.tick();
      }
    }
    EXPECT_EQ(view("glm").state, WorkerState::fatal) << static_cast<int>(kind);
  }
}

}  // namespace
}  // namespace ccproxy::supervisor
