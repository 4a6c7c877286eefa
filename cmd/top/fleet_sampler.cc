#include "cmd/top/fleet_sampler.h"

#include <cmath>
#include <mutex>

#include <nlohmann/json.hpp>

#include "supervisor/fleet_cli.h"
#include "supervisor/health_probe.h"
#include "supervisor/supervisor_process.h"

namespace ccproxy::cmd::top {
namespace {

namespace sv = ccproxy::supervisor;

// The status's health probe, asking /metrics beside each /health and keeping both bodies.
class BodyKeepingProber final : public sv::HealthProber {
 public:
  struct Bodies {
    std::string health;
    std::string metrics;
  };

  std::vector<sv::HealthResult> probe(const std::vector<sv::ProbeTarget>& targets,
                                      std::chrono::milliseconds timeout) override {
    std::vector<sv::ProbeTarget> both;
    for (const auto& t : targets) {
      both.push_back({t.host, t.port, "/health", true});
      both.push_back({t.host, t.port, "/metrics", true});
    }
    std::vector<sv::HealthResult> results = sv::HttpHealthProber().probe(both, timeout);
    std::vector<sv::HealthResult> health;
    std::lock_guard lock(mutex_);
    for (std::size_t i = 0; i < targets.size(); ++i) {
      sv::HealthResult& h = results[2 * i];
      sv::HealthResult& m = results[2 * i + 1];
      Bodies& b = bodies_[targets[i].port];
      b.health = h.healthy() ? std::move(h.body) : std::string();
      b.metrics = m.healthy() ? std::move(m.body) : std::string();
      health.push_back(std::move(h));
    }
    return health;
  }

  Bodies bodies(std::uint16_t port) {
    std::lock_guard lock(mutex_);
    auto it = bodies_.find(port);
    return it == bodies_.end() ? Bodies{} : it->second;
  }

 private:
  std::mutex mutex_;
  std::map<std::uint16_t, Bodies> bodies_;
};

std::string upstream_text(const nlohmann::json& u) {
  std::string text = u.value("name", std::string("?")) + " " + u.value("state", std::string("?"));
  if (u.contains("keys_total") && u["keys_total"].is_number()) {
    text += " " + std::to_string(u.value("keys_ok", 0)) + "/" +
            std::to_string(u["keys_total"].get<long long>());
  }
  if (u.contains("cooldown_left_s") && u["cooldown_left_s"].is_number()) {
    double left = u["cooldown_left_s"].get<double>();
    if (left > 0) {
      text += " " + std::to_string(static_cast<long long>(std::ceil(left))) + "s";
    }
  }
  return text;
}

}  // namespace

std::optional<std::string> upstreams_cell(const std::string& health_body) {
  nlohmann::json j = nlohmann::json::parse(health_body, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("upstreams") ||
      !j["upstreams"].is_array()) {
    return std::nullopt;
  }
  std::string cell;
  for (const auto& u : j["upstreams"]) {
    if (u.is_object()) {
      cell += (cell.empty() ? "" : ", ") + upstream_text(u);
    }
  }
  return cell.empty() ? std::string("-") : cell;
}

FleetSample FleetSampler::sample(std::chrono::milliseconds timeout) {
  FleetSample out;
  config::Fleet fleet = sv::load_home_fleet(home_);
  for (const auto& d : fleet.problems) {
    out.problems.push_back(d.str());
  }
  BodyKeepingProber prober;
  sv::StatusOptions options;
  options.probe_timeout = timeout;
  options.clean_stale = false;  // a viewer changes nothing
  sv::StatusReport report = sv::current_status(home_, fleet, prober, options);
  out.supervisor_running = report.supervisor_running;
  out.supervisor_pid = report.supervisor_pid;
  auto now = MetricsWindow::Clock::now();
  std::map<std::string, History> kept;
  for (const auto& r : report.rows) {
    TopRow row;
    row.name = r.name;
    row.port = r.port;
    row.pid = r.pid;
    row.state = std::string(sv::state_name(r.state));
    row.uptime = sv::format_uptime(r.uptime);
    row.health = r.health.str();
    row.healthy = r.healthy();
    BodyKeepingProber::Bodies bodies = prober.bodies(r.port);
    History& h = kept[r.name];
    if (auto old = history_.find(r.name); old != history_.end() && old->second.pid == r.pid) {
      h = std::move(old->second);
    }
    h.pid = r.pid;
    if (auto m = parse_metrics(bodies.metrics)) {
      h.window.add(now, *m);
      WindowStats s = h.window.stats();
      row.requests_per_s = s.requests_per_s;
      row.p50_s = s.p50_s;
      row.p99_s = s.p99_s;
      row.tokens_per_min = s.tokens_per_min;
      row.failed = s.failed;
      row.open_streams = m->open_streams;
    }
    row.upstreams = upstreams_cell(bodies.health);
    out.rows.push_back(std::move(row));
  }
  history_ = std::move(kept);
  return out;
}

}  // namespace ccproxy::cmd::top
