#include "config/fleet_settings.h"

namespace ccproxy::config {
namespace {

void read_logs(TableReader& root, LogSettings& logs) {
  TableReader l = root.table("logs");
  l.reject_unknown({"rotate_mb", "rotate_daily", "compress", "retention_days", "max_total_mb"});
  if (auto v = l.integer("rotate_mb", 0, 1'000'000)) {
    logs.rotate_bytes = static_cast<std::uint64_t>(*v) << 20;
  }
  if (auto v = l.boolean("rotate_daily")) {
    logs.rotate_daily = *v;
  }
  if (auto v = l.boolean("compress")) {
    logs.compress = *v;
  }
  if (auto v = l.integer("retention_days", 0, 3650)) {
    logs.retention_days = static_cast<int>(*v);
  }
  if (auto v = l.integer("max_total_mb", 0, 100'000'000)) {
    logs.max_total_bytes = static_cast<std::uint64_t>(*v) << 20;
  }
}

void read_supervisor(TableReader& root, SupervisorSettings& sup) {
  TableReader s = root.table("supervisor");
  s.reject_unknown({"start_timeout_s", "stop_timeout_s", "health_interval_s", "health_failures",
                    "backoff_initial_s", "backoff_max_s", "healthy_reset_s", "max_failures",
                    "failure_window_s"});
  constexpr double kHour = 3600;
  if (auto v = s.seconds("start_timeout_s", true, kHour)) {
    sup.start_timeout = *v;
  }
  if (auto v = s.seconds("stop_timeout_s", true, kHour)) {
    sup.stop_timeout = *v;
  }
  if (auto v = s.seconds("health_interval_s", true, kHour)) {
    sup.health_interval = *v;
  }
  if (auto v = s.integer("health_failures", 1, 100)) {
    sup.health_failures = static_cast<int>(*v);
  }
  if (auto v = s.seconds("backoff_initial_s", true, kHour)) {
    sup.backoff_initial = *v;
  }
  if (auto v = s.seconds("backoff_max_s", true, kHour)) {
    sup.backoff_max = *v;
  }
  if (sup.backoff_max < sup.backoff_initial) {
    if (auto found = s.find("backoff_max_s")) {
      s.problem(*found, "backoff_max_s", "must not be less than backoff_initial_s");
    } else if (auto initial = s.find("backoff_initial_s")) {
      s.problem(*initial, "backoff_initial_s", "must not be more than backoff_max_s (default 30)");
    }
  }
  if (auto v = s.seconds("healthy_reset_s", true, 86400)) {
    sup.healthy_reset = *v;
  }
  if (auto v = s.integer("max_failures", 1, 1000)) {
    sup.max_failures = static_cast<int>(*v);
  }
  if (auto v = s.seconds("failure_window_s", true, 86400)) {
    sup.failure_window = *v;
  }
}

void read_usage(TableReader& root, UsageSettings& usage) {
  TableReader u = root.table("usage");
  u.reject_unknown({"enabled", "retention_days"});
  if (auto v = u.boolean("enabled")) {
    usage.enabled = *v;
  }
  if (auto v = u.integer("retention_days", 0, 36500)) {
    usage.retention_days = static_cast<int>(*v);
  }
}

}  // namespace

void read_fleet_settings(ReadContext& ctx, const toml::table& doc, LogSettings& logs,
                         SupervisorSettings& sup, UsageSettings& usage) {
  TableReader root(ctx, {Layer{&doc, ""}}, "");
  root.reject_unknown({"defaults", "logs", "supervisor", "usage"});

  TableReader defaults = root.table("defaults");
  if (auto port = defaults.find("port")) {
    defaults.problem(*port, "port", "not allowed in [defaults]: every profile sets its own port");
  }
  read_logs(root, logs);
  read_supervisor(root, sup);
  read_usage(root, usage);
}

}  // namespace ccproxy::config
