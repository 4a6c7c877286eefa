#include "config/profile_reader.h"

#include <algorithm>
#include <fstream>
#include <system_error>

#include "common/text.h"
#include "config/fingerprint.h"
#include "config/pricing_reader.h"
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
// [routing]: the long tier needs its threshold (a `long` model that can never be chosen is a
// mistake); a threshold without a `long` model is fine (it may come from [defaults]).
void read_routing(TableReader& root, const worker::WorkerConfig& w, worker::RoutingSettings& out) {
  TableReader routing = root.table("routing");
  routing.reject_unknown({"long_context_tokens"});
  if (auto v = routing.integer("long_context_tokens", 1, 100'000'000)) {
    out.long_context_tokens = *v;
  }
  const bool long_served = std::any_of(w.upstreams.begin(), w.upstreams.end(), [](const auto& u) {
    return !u.models.long_context.empty();
  });
  if (long_served && out.long_context_tokens == 0 && !routing.has("long_context_tokens")) {
    TableReader model_table = root.table("models");
    if (auto found = model_table.find("long")) {
      model_table.problem(*found, "long",
                          "needs [routing] long_context_tokens (the estimated input, in "
                          "tokens, above which a request goes to this model)");
    }
  }
}

// [presets.NAME]: each a table of tier = "model" (tiers as in [models]).
void read_presets(TableReader& root, Profile& out) {
  TableReader presets = root.table("presets");
  std::vector<std::string> names;
  for (const auto& layer : presets.layers()) {
    if (layer.table == nullptr) {
      continue;
    }
    for (const auto& [k, node] : *layer.table) {
      names.emplace_back(k.str());
    }
  }
  for (const auto& name : names) {
    if (out.presets.count(name) != 0) {
      continue;  // the profile's own, over [defaults.presets]
    }
    if (name.empty() ||
        name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                               "0123456789-_") != std::string::npos) {
      presets.problem(*presets.find(name), name,
                      "a preset name is letters, digits, '-' and '_' only");
      continue;
    }
    TableReader preset = presets.table(name);
    preset.reject_unknown({"big", "middle", "small", "vision", "long", "think"});
    std::vector<std::pair<std::string, std::string>> tiers;
    for (auto tier : {worker::Tier::big, worker::Tier::middle, worker::Tier::small,
                      worker::Tier::vision, worker::Tier::long_context, worker::Tier::think}) {
      if (auto model = read_model(preset, worker::tier_name(tier))) {
        tiers.emplace_back(worker::tier_name(tier), *model);
      }
    }
    if (tiers.empty()) {
      presets.problem(*presets.find(name), name, "a preset names at least one tier");
      continue;
    }
    out.presets[name] = std::move(tiers);
  }
}

void read_timeouts(TableReader& root, worker::Timeouts& out) {
  TableReader timeouts = root.table("timeouts");
  timeouts.reject_unknown({"connect_s", "first_byte_s", "idle_s", "total_s"});
  read_timeout_values(timeouts, out, true);
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
                       "balance", "routing", "timeouts", "retry", "limits", "pricing", "presets"});

  worker::WorkerConfig w;
  w.profile = ctx.profile;
  std::string log_level = "info";
  read_port(ctx, file, w, result);
  read_top_level(root, w, log_level);
  read_timeouts(root, w.timeouts);
  read_upstreams(root, home, w);
  read_routing(root, w, w.routing);
  read_retry(root, w.retry);
  read_limits(root, w.max_tokens);
  usage::PriceTable pricing;
  read_pricing(root, pricing);
  Profile p;
  read_presets(root, p);

  if (ctx.problems->size() == problems_before) {
    p.name = ctx.profile;
    p.log_level = log_level;
    p.pricing = std::move(pricing);
    p.fingerprint = fingerprint(w, log_level);
    p.worker = std::move(w);
    result.profile = std::move(p);
  }
  return result;
}

}  // namespace ccproxy::config
