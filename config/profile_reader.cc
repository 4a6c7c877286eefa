#include "config/profile_reader.h"

#include <algorithm>
#include <fstream>
#include <system_error>

#include "common/text.h"
#include "config/fingerprint.h"
#include "config/upstream_reader.h"
#include "config/validate.h"
#include "config/value_readers.h"

namespace ccproxy::config {
namespace {

// The port comes from the profile itself only: [defaults] may not set it.
void read_port(ReadContext& ctx, const toml::table& file, worker::WorkerConfig& w,
               ProfileRead& result) {
  TableReader own(ctx, {Layer{&file, ""}}, "");
  if (!own.has("port")) {
    own.missing("port");
  } else if (auto port = own.integer("port", 1, 65535)) {
    w.port = static_cast<uint16_t>(*port);
    result.port = w.port;
    result.port_line = static_cast<int>(file.get("port")->source().begin.line);
  }
}

// A host other than loopback needs client_api_key, so that key is read first.
void read_host(TableReader& root, worker::WorkerConfig& w) {
  auto found = root.find("host");
  if (!found) {
    return;
  }
  auto v = root.string("host");
  if (!v) {
    return;
  }
  if (auto err = check_listen_host(*v)) {
    root.problem(*found, "host", *err);
  } else if (!is_loopback_host(*v) && w.client_api_key.empty()) {
    root.problem(*found, "host",
                 "'" + *v +
                     "' is reachable from other machines; set client_api_key so that only "
                     "your clients can spend the upstream key");
  } else {
    w.host = *v;
  }
}

// The keys outside any table, except the port.
void read_top_level(TableReader& root, worker::WorkerConfig& w, std::string& log_level) {
  if (auto found = root.find("display_name")) {
    if (auto v = root.string("display_name")) {
      if (has_control_chars(*v)) {
        root.problem(*found, "display_name", "must not contain control characters");
      } else {
        w.display_name = *v;
      }
    }
  }
  if (auto v = read_secret(root, "client_api_key")) {
    w.client_api_key = *v;
  }
  read_host(root, w);
  if (auto v = read_enum(root, "log_level", {"trace", "debug", "info", "warn", "error"})) {
    log_level = *v;
  }
  if (auto v = root.integer("max_request_body_mb", 1, 1024)) {
    w.max_body_bytes = static_cast<std::size_t>(*v) << 20;
  }
  if (auto v = root.seconds("shutdown_grace_s", false, 3600)) {
    w.shutdown_grace = *v;
  }
}

// [timeouts]
void read_timeouts(TableReader& root, worker::Timeouts& out) {
  TableReader timeouts = root.table("timeouts");
  timeouts.reject_unknown({"connect_s", "first_byte_s", "idle_s", "total_s"});
  constexpr double kDay = 86400;
  if (auto v = timeouts.seconds("connect_s", true, kDay)) {
    out.connect = *v;
  }
  if (auto v = timeouts.seconds("first_byte_s", true, kDay)) {
    out.first_byte = *v;
  }
  if (auto v = timeouts.seconds("idle_s", true, kDay)) {
    out.idle = *v;
  }
  if (auto v = timeouts.seconds("total_s", true, kDay)) {
    out.total = *v;
  }
}

// [retry]
void read_retry(TableReader& root, worker::RetryPolicy& out) {
  using std::chrono::milliseconds;
  TableReader retry = root.table("retry");
  retry.reject_unknown(
      {"max_retries", "backoff_initial_ms", "backoff_max_ms", "retry_after_cap_s"});
  if (auto v = retry.integer("max_retries", 0, 10)) {
    out.max_retries = static_cast<int>(*v);
  }
  if (auto v = retry.integer("backoff_initial_ms", 0, 600'000)) {
    out.backoff_initial = milliseconds(*v);
  }
  if (auto v = retry.integer("backoff_max_ms", 0, 600'000)) {
    out.backoff_max = milliseconds(*v);
  }
  if (out.backoff_max < out.backoff_initial) {
    if (auto found = retry.find("backoff_max_ms")) {
      retry.problem(*found, "backoff_max_ms", "must not be less than backoff_initial_ms");
    } else if (auto initial = retry.find("backoff_initial_ms")) {
      retry.problem(*initial, "backoff_initial_ms",
                    "must not be more than backoff_max_ms (default 8000)");
    }
  }
  if (auto v = retry.seconds("retry_after_cap_s", false, 3600)) {
    out.retry_after_cap = *v;
  }
}

// [limits]
void read_limits(TableReader& root, worker::TokenLimits& out) {
  TableReader limits = root.table("limits");
  limits.reject_unknown({"max_tokens", "min_tokens"});
  if (auto v = limits.integer("max_tokens", 0, 100'000'000)) {
    out.max = *v;
  }
  if (auto v = limits.integer("min_tokens", 0, 100'000'000)) {
    out.min = *v;
  }
  if (out.max > 0 && out.min > out.max) {
    if (auto found = limits.find("min_tokens")) {
      limits.problem(*found, "min_tokens", "must not be more than max_tokens");
    }
  }
}

}  // namespace

ProfileRead read_profile(ReadContext& ctx, const Home& home, const toml::table& file,
                         const toml::table* defaults) {
  ProfileRead result;
  const std::size_t problems_before = ctx.problems->size();
  TableReader root(ctx, {Layer{&file, ""}, Layer{defaults, "defaults."}}, "");
  root.reject_unknown({"port", "host", "display_name", "client_api_key", "log_level",
                       "max_request_body_mb", "shutdown_grace_s", "upstream", "upstreams", "models",
                       "balance", "timeouts", "retry", "limits"});

  worker::WorkerConfig w;
  w.profile = ctx.profile;
  std::string log_level = "info";
  read_port(ctx, file, w, result);
  read_top_level(root, w, log_level);
  read_timeouts(root, w.timeouts);
  read_upstreams(root, home, w);
  read_retry(root, w.retry);
  read_limits(root, w.max_tokens);

  if (ctx.problems->size() == problems_before) {
    Profile p;
    p.name = ctx.profile;
    p.log_level = log_level;
    p.fingerprint = fingerprint(w, log_level);
    p.worker = std::move(w);
    result.profile = std::move(p);
  }
  return result;
}

}  // namespace ccproxy::config
