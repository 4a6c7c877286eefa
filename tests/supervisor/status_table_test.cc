#include "supervisor/status_table.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace ccproxy::supervisor {
namespace {

StatusReport sample() {
  StatusReport rep;
  rep.supervisor_running = true;
  rep.supervisor_pid = 77;
  StatusRow a;
  a.name = "glm";
  a.port = 8082;
  a.pid = 4242;
  a.state = WorkerState::running;
  a.uptime = std::chrono::seconds(3725);
  a.restarts = 1;
  a.last_exit = ExitStatus{true, 9, true};
  a.health.kind = HealthKind::ok;
  a.health.http_status = 200;
  a.health.latency = std::chrono::microseconds(2300);
  a.big_model = a.middle_model = a.small_model = "zai/GLM-4.6";
  a.upstream = "https://router.requesty.ai/v1";
  a.upstreams = {{"requesty", "ok", 0, 2, 2, ""}, {"zai", "cooldown", 41, 0, 1, "HTTP 429"}};
  StatusRow b;
  b.name = "kimi";
  b.port = 8081;
  b.state = WorkerState::conflict;
  b.health.kind = HealthKind::http;
  b.health.http_status = 404;
  b.big_model = "k-big";
  b.middle_model = "k-mid";
  b.small_model = "k-small";
  b.message = "port 8081 is held by pid 99 (python3 start_proxy.py)";
  rep.rows = {b, a};
  return rep;
}

TEST(StatusTable, RendersAlignedColumnsAndMessages) {
  std::string t = render_table(sample(), false);
  EXPECT_EQ(t,
            "NAME  PORT  PID   STATE     UPTIME  RESTARTS     HEALTH    MODELS               "
            "UPSTREAM                       UPSTREAMS\n"
            "kimi  8081  -     conflict  -       -            http 404  k-big/k-mid/k-small  "
            "-                              -\n"
            "glm   8082  4242  running   1h02m   1 (SIGKILL)  ok 2ms    zai/GLM-4.6          "
            "https://router.requesty.ai/v1  requesty ok, zai cooldown 41s\n"
            "  kimi: port 8081 is held by pid 99 (python3 start_proxy.py)\n");
  EXPECT_EQ(t.find('\033'), std::string::npos) << "no colour when not asked";
  std::string coloured = render_table(sample(), true);
  EXPECT_NE(coloured.find("\033[32mrunning"), std::string::npos);
  EXPECT_NE(coloured.find("\033[31mconflict"), std::string::npos);
}

TEST(StatusTable, UpstreamsComeFromHealth) {
  auto v = upstreams_from_health(
      R"({"status":"healthy","upstreams":[{"name":"a","state":"probing","cooldown_left_s":0.0,)"
      R"("keys_ok":1,"keys_total":3,"last_error":"HTTP 502"},{"name":"b","state":"ok"}]})");
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[0].name, "a");
  EXPECT_EQ(v[0].state, "probing");
  EXPECT_EQ(v[0].keys_ok, 1);
  EXPECT_EQ(v[0].keys_total, 3);
  EXPECT_EQ(v[0].last_error, "HTTP 502");
  StatusRow row;
  row.upstreams = v;
  EXPECT_EQ(format_upstreams(row), "a probing (keys 1/3), b ok");
  EXPECT_TRUE(upstreams_from_health("not json").empty());
  EXPECT_TRUE(upstreams_from_health(R"({"status":"healthy"})").empty());
  EXPECT_EQ(format_upstreams(StatusRow{}), "-");
}

TEST(StatusTable, JsonHasTheSameFacts) {
  auto j = to_json(sample());
  EXPECT_EQ(j["supervisor"]["running"], true);
  EXPECT_EQ(j["supervisor"]["pid"], 77);
  EXPECT_EQ(j["healthy"], false);
  ASSERT_EQ(j["workers"].size(), 2u);
  const auto& glm = j["workers"][1];
  EXPECT_EQ(glm["name"], "glm");
  EXPECT_EQ(glm["port"], 8082);
  EXPECT_EQ(glm["pid"], 4242);
  EXPECT_EQ(glm["state"], "running");
  EXPECT_EQ(glm["uptime_s"], 3725);
  EXPECT_EQ(glm["restarts"], 1);
  EXPECT_EQ(glm["last_exit"]["signal"], 9);
  EXPECT_EQ(glm["health"]["result"], "ok");
  EXPECT_EQ(glm["health"]["http_status"], 200);
  EXPECT_DOUBLE_EQ(glm["health"]["latency_ms"].get<double>(), 2.3);
  EXPECT_EQ(glm["healthy"], true);
  EXPECT_EQ(glm["models"]["big"], "zai/GLM-4.6");
  EXPECT_EQ(glm["upstream"], "https://router.requesty.ai/v1");
  ASSERT_EQ(glm["upstreams"].size(), 2u);
  EXPECT_EQ(glm["upstreams"][1], nlohmann::json({{"name", "zai"},
                                                 {"state", "cooldown"},
                                                 {"cooldown_left_s", 41},
                                                 {"keys_ok", 0},
                                                 {"keys_total", 1},
                                                 {"last_error", "HTTP 429"}}));
  EXPECT_EQ(j["workers"][0]["upstreams"], nlohmann::json::array());
  const auto& kimi = j["workers"][0];
  EXPECT_EQ(kimi["pid"], nullptr);
  EXPECT_EQ(kimi["state"], "conflict");
  EXPECT_EQ(kimi["message"], "port 8081 is held by pid 99 (python3 start_proxy.py)");
  EXPECT_EQ(kimi["healthy"], false);
}

TEST(StatusTable, AllHealthyNeedsEveryRowRunningAndOk) {
  auto rep = sample();
  EXPECT_FALSE(rep.all_healthy());
  rep.rows.erase(rep.rows.begin());
  EXPECT_TRUE(rep.all_healthy());
  rep.rows[0].state = WorkerState::unmanaged;  // healthy worker whose supervisor is gone
  EXPECT_TRUE(rep.all_healthy());
  rep.rows[0].health.kind = HealthKind::timeout;
  EXPECT_FALSE(rep.all_healthy());
  rep.rows.clear();
  EXPECT_FALSE(rep.all_healthy()) << "no profiles is not a healthy fleet";
}

TEST(StatusTable, FormatsUptime) {
  EXPECT_EQ(format_uptime(std::nullopt), "-");
  EXPECT_EQ(format_uptime(std::chrono::seconds(5)), "5s");
  EXPECT_EQ(format_uptime(std::chrono::seconds(252)), "4m12s");
  EXPECT_EQ(format_uptime(std::chrono::seconds(7380)), "2h03m");
  EXPECT_EQ(format_uptime(std::chrono::seconds(273600)), "3d04h");
}

TEST(WorkerView, JsonRoundTrip) {
  WorkerView v;
  v.name = "glm";
  v.port = 8082;
  v.pid = 12;
  v.state = WorkerState::backoff;
  v.restarts = 3;
  v.last_exit = ExitStatus{false, 1, true};
  v.message = "exit 1; restarting in 4s";
  auto back = worker_view_from_json(to_json(v));
  EXPECT_EQ(back.name, "glm");
  EXPECT_EQ(back.port, 8082);
  EXPECT_EQ(back.pid, 12);
  EXPECT_EQ(back.state, WorkerState::backoff);
  EXPECT_EQ(back.restarts, 3);
  ASSERT_TRUE(back.last_exit);
  EXPECT_EQ(back.last_exit->str(), "exit 1");
  EXPECT_EQ(back.message, v.message);
  for (auto s :
       {WorkerState::stopped, WorkerState::starting, WorkerState::running, WorkerState::backoff,
        WorkerState::stopping, WorkerState::fatal, WorkerState::unmanaged, WorkerState::conflict}) {
    EXPECT_EQ(parse_state(state_name(s)), s);
  }
}

}  // namespace
}  // namespace ccproxy::supervisor
