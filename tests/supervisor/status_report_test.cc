// gather_status without a supervisor: what the OS says of each profile's port.
#include "supervisor/status_report.h"

#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "supervisor/os/own_command.h"
#include "tests/supervisor/fakes.h"

namespace ccproxy::supervisor {
namespace {

namespace fs = std::filesystem;
using testing::FakeListeners;
using testing::FakeProber;
using testing::FakeProcessTable;

class StatusReportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    home_.root = fs::temp_directory_path() / ("status_report_test_" + std::to_string(::getpid()));
    fs::remove_all(home_.root);
    fs::create_directories(home_.pids_dir());
    config::Profile glm;
    glm.name = "glm";
    glm.worker.port = 8082;
    fleet_.profiles.push_back(glm);
  }
  void TearDown() override { fs::remove_all(home_.root); }

  // The only row: profile glm on port 8082, held by `holder`.
  StatusRow row_for(int holder) {
    listeners_.owners[8082] = holder;
    StatusReport report = gather_status(home_, fleet_, {procs_, listeners_, prober_, nullptr});
    EXPECT_EQ(report.rows.size(), 1u);
    return report.rows.empty() ? StatusRow{} : report.rows[0];
  }

  config::Home home_;
  config::Fleet fleet_;
  FakeProcessTable procs_;
  FakeListeners listeners_{procs_};
  FakeProber prober_;
};

TEST_F(StatusReportTest, OurWorkerWithoutAPidFileIsUnmanaged) {
  int worker = procs_.add_foreign(worker_command(self_executable(), home_.root, "glm"));
  StatusRow row = row_for(worker);
  EXPECT_EQ(row.state, WorkerState::unmanaged);
  EXPECT_EQ(row.pid, worker);
  EXPECT_NE(row.message.find("pid file is missing"), std::string::npos);
}

TEST_F(StatusReportTest, AnotherProgramWithOurCommandLineIsAConflict) {
  // `exec -a`: our worker's argv word for word, another executable.
  int mimic = procs_.add_foreign(worker_command(self_executable(), home_.root, "glm"));
  procs_.procs[mimic].id.exe = "/usr/bin/python3";
  StatusRow row = row_for(mimic);
  EXPECT_EQ(row.state, WorkerState::conflict);
  EXPECT_EQ(row.pid, 0);
  EXPECT_EQ(row.message.find("our worker"), std::string::npos);
}

}  // namespace
}  // namespace ccproxy::supervisor
