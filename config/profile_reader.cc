#include "config/profile_reader.h"

#include <algorithm>
#include <fstream>
#include <system_error>

#include "common/text.h"
#include "config/fingerprint.h"
#include "config/pricing_reader.h"
#include "config/validate.h"

namespace ccproxy::config {
namespace {

// Whether a CA file holds at least one PEM certificate (read up to 4 MiB).
bool has_pem_certificate(const std::filesystem::path& p) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(p, ec);
  if (ec) {
    return false;
  }
  std::ifstream in(p, std::ios::binary);
  std::string text;
  text.resize(std::min<std::uintmax_t>(size, 4u << 20));
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  return text.find("-----BEGIN CERTIFICATE-----") != std::string::npos;
}

bool has_control_chars(std::string_view s) {
  for (char c : s) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      return true;
    }
  }
  return false;
}

// A string that must be one of `choices`; the value is quoted (enums are never secrets).
std::optional<std::string> read_enum(TableReader& r, std::string_view key,
                                     std::initializer_list<std::string_view> choices) {
  auto found = r.find(key);
  auto value = r.string(key);
  if (!value) {
    return std::nullopt;
  }
  std::string list;
  for (auto c : choices) {
    if (*value == c) {
      return value;
    }
    list += list.empty() ? "" : ", ";
    list += c;
  }
  std::string message = "'";
  message.append(*value, 0, 40).append("' is not one of ").append(list);
  r.problem(*found, key, message);
  return std::nullopt;
}

// A secret: no line breaks or control characters (it ends up in a header). Never quoted.
std::optional<std::string> read_secret(TableReader& r, std::string_view key) {
  auto found = r.find(key);
  auto value = r.string(key);
  if (value && has_control_chars(*value)) {
    r.problem(*found, key, "must not contain line breaks or control characters");
    return std::nullopt;
  }
  return value;
}

std::optional<std::string> read_model(TableReader& r, std::string_view key) {
  auto found = r.find(key);
  auto value = r.string(key);
  if (!value) {
    return std::nullopt;
  }
  if (value->empty()) {
    r.problem(*found, key, "must not be empty");
    return std::nullopt;
  }
  if (has_control_chars(*value)) {
    r.problem(*found, key, "must not contain control characters");
    return std::nullopt;
  }
  return value;
}

void read_headers(TableReader& upstream, worker::UpstreamConfig& out) {
  TableReader headers = upstream.table("headers");
  // The first layer (the profile) wins; header names compare case-insensitively.
  std::vector<std::pair<std::string, const Layer*>> seen;  // (name, layer that set it)
  for (const auto& layer : headers.layers()) {
    if (layer.table == nullptr) {
      continue;
    }
    for (const auto& [k, node] : *layer.table) {
      const std::string name(k.str());
      const TableReader::Found at{&node, &layer};
      const Layer* shadowed_by = nullptr;
      for (const auto& [seen_name, seen_layer] : seen) {
        if (ascii_iequals(seen_name, name)) {
          shadowed_by = seen_layer;
        }
      }
      if (shadowed_by == &layer) {
        headers.problem(at, name, "header given twice (header names are case-insensitive)");
        continue;
      }
      if (shadowed_by != nullptr) {
        continue;
      }
      seen.emplace_back(name, &layer);
      if (auto err = check_header_name(name)) {
        headers.problem(at, name, *err);
        continue;
      }
      if (is_reserved_header(name)) {
        headers.problem(at, name, "ccproxy sets this header itself; remove it");
        continue;
      }
      const auto* s = node.as_string();
      if (s == nullptr) {
        headers.problem(at, name, "expected a string, got " + describe_type(node));
        continue;
      }
      // No higher layer has this name (it would have shadowed it), so the lookup lands on
      // this very node and ${VAR} problems point at it.
      std::optional<std::string> resolved = headers.string(name);
      if (!resolved) {
        continue;
      }
      if (auto err = check_header_value(*resolved)) {
        headers.problem(at, name, *err);
        continue;
      }
      out.headers.emplace_back(name, std::move(*resolved));
    }
  }
}

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

void read_base_url(TableReader& upstream, worker::UpstreamConfig& out) {
  auto found = upstream.find("base_url");
  if (!found) {
    upstream.missing("base_url");
    return;
  }
  auto v = upstream.string("base_url");
  if (!v) {
    return;
  }
  if (auto err = check_base_url(*v)) {
    upstream.problem(*found, "base_url", *err);
    return;
  }
  while (!v->empty() && v->back() == '/') {
    v->pop_back();
  }
  out.base_url = *v;
}

void read_proxy(TableReader& upstream, worker::UpstreamConfig& out) {
  if (auto found = upstream.find("proxy")) {
    if (auto v = upstream.string("proxy"); v && !v->empty()) {
      if (auto err = check_proxy_url(*v)) {
        upstream.problem(*found, "proxy", *err);
      } else {
        out.proxy = *v;
      }
    }
  }
}

// A relative ca_file is relative to the home.
void read_ca_file(TableReader& upstream, const Home& home, worker::UpstreamConfig& out) {
  auto found = upstream.find("ca_file");
  if (!found) {
    return;
  }
  auto v = upstream.string("ca_file");
  if (!v || v->empty()) {
    return;
  }
  std::filesystem::path p(*v);
  if (p.is_relative()) {
    p = home.root / p;
  }
  std::error_code ec;
  if (!std::filesystem::is_regular_file(p, ec)) {
    upstream.problem(*found, "ca_file", "no such file: " + p.string());
  } else if (!has_pem_certificate(p)) {
    // The TLS context is built on the first HTTPS request: catch a wrong file now.
    std::string why = "no PEM certificate (-----BEGIN CERTIFICATE-----) in ";
    why += p.string();
    upstream.problem(*found, "ca_file", why);
  } else {
    out.ca_file = p.lexically_normal().string();
  }
}

void read_anthropic_version(TableReader& upstream, worker::UpstreamConfig& out) {
  if (auto found = upstream.find("anthropic_version")) {
    if (auto v = upstream.string("anthropic_version")) {
      if (v->empty() || check_header_value(*v)) {
        upstream.problem(*found, "anthropic_version", "must be a non-empty header value");
      } else {
        out.anthropic_version = *v;
      }
    }
  }
}

// `forward_betas`: "*" or a list of beta names (header tokens, or "*").
void read_forward_betas(TableReader& upstream, worker::UpstreamConfig& out) {
  auto found = upstream.find("forward_betas");
  if (!found) {
    return;
  }
  const toml::node& node = *found->node;
  std::vector<std::string> betas;
  bool ok = true;
  auto add = [&](const toml::node& item) {
    const auto* s = item.as_string();
    if (s == nullptr) {
      upstream.problem(*found, "forward_betas",
                       "expected \"*\" or a list of strings, got " + describe_type(item));
      ok = false;
      return;
    }
    const std::string& name = s->get();
    if (name != "*" && (name.empty() || check_header_value(name) ||
                        name.find_first_of(", ") != std::string::npos)) {
      upstream.problem(*found, "forward_betas", "'" + name.substr(0, 40) + "' is not a beta name");
      ok = false;
      return;
    }
    betas.push_back(name);
  };
  if (const auto* list = node.as_array()) {
    for (const toml::node& item : *list) {
      add(item);
    }
  } else {
    add(node);
  }
  if (ok) {
    out.forward_betas_set = true;
    out.forward_betas = std::move(betas);
  }
}

void read_provider_settings(TableReader& upstream, worker::UpstreamConfig& out) {
  using worker::Provider;
  if (auto v = read_enum(
          upstream, "provider",
          {"auto", "generic", "openai", "gemini", "kimi", "deepseek", "minimax", "glm"})) {
    static constexpr std::pair<std::string_view, Provider> kNames[] = {
        {"auto", Provider::automatic},  {"generic", Provider::generic},
        {"openai", Provider::openai},   {"gemini", Provider::gemini},
        {"kimi", Provider::kimi},       {"deepseek", Provider::deepseek},
        {"minimax", Provider::minimax}, {"glm", Provider::glm}};
    for (const auto& [name, provider] : kNames) {
      if (*v == name) {
        out.provider = provider;
      }
    }
  }
  using worker::Reasoning;
  if (auto v = read_enum(upstream, "reasoning", {"auto", "off", "on", "low", "medium", "high"})) {
    static constexpr std::pair<std::string_view, Reasoning> kNames[] = {
        {"auto", Reasoning::automatic}, {"off", Reasoning::off},       {"on", Reasoning::on},
        {"low", Reasoning::low},        {"medium", Reasoning::medium}, {"high", Reasoning::high}};
    for (const auto& [name, reasoning] : kNames) {
      if (*v == name) {
        out.reasoning = reasoning;
      }
    }
  }
  read_forward_betas(upstream, out);
}

// [upstream]
void read_upstream(TableReader& root, const Home& home, worker::UpstreamConfig& out) {
  TableReader upstream = root.table("upstream");
  upstream.reject_unknown({"base_url", "api_key", "format", "proxy", "ca_file", "anthropic_version",
                           "headers", "provider", "reasoning", "forward_betas"});
  read_base_url(upstream, out);
  if (auto v = read_secret(upstream, "api_key")) {
    out.api_key = *v;
  }
  if (auto v = read_enum(upstream, "format", {"openai", "anthropic"})) {
    out.format =
        *v == "openai" ? worker::UpstreamFormat::openai : worker::UpstreamFormat::anthropic;
  }
  read_proxy(upstream, out);
  read_ca_file(upstream, home, out);
  read_anthropic_version(upstream, out);
  read_provider_settings(upstream, out);
  read_headers(upstream, out);
}

// [models]: middle and small default to big; the routing tiers vision, long and think are
// unset (their rule off) unless given.
void read_models(TableReader& root, worker::ModelMap& out) {
  TableReader models = root.table("models");
  models.reject_unknown({"big", "middle", "small", "vision", "long", "think", "passthrough"});
  if (!models.has("big")) {
    models.missing("big");
  } else if (auto v = read_model(models, "big")) {
    out.big = *v;
  }
  out.middle = out.big;
  out.small = out.big;
  if (auto v = read_model(models, "middle")) {
    out.middle = *v;
  }
  if (auto v = read_model(models, "small")) {
    out.small = *v;
  }
  if (auto v = read_model(models, "vision")) {
    out.vision = *v;
  }
  if (auto v = read_model(models, "long")) {
    out.long_context = *v;
  }
  if (auto v = read_model(models, "think")) {
    out.think = *v;
  }
  if (auto v = models.boolean("passthrough")) {
    out.passthrough_provider_models = *v;
  }
}

// [routing]: the long tier needs its threshold (a `long` model that can never be chosen is a
// mistake); a threshold without a `long` model is fine (it may come from [defaults]).
void read_routing(TableReader& root, const worker::ModelMap& models, worker::RoutingSettings& out) {
  TableReader routing = root.table("routing");
  routing.reject_unknown({"long_context_tokens"});
  if (auto v = routing.integer("long_context_tokens", 1, 100'000'000)) {
    out.long_context_tokens = *v;
  }
  if (!models.long_context.empty() && out.long_context_tokens == 0 &&
      !routing.has("long_context_tokens")) {
    TableReader model_table = root.table("models");
    if (auto found = model_table.find("long")) {
      model_table.problem(*found, "long",
                          "needs [routing] long_context_tokens (the estimated input, in "
                          "tokens, above which a request goes to this model)");
    }
  }
}

// [timeouts]
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
                       "max_request_body_mb", "shutdown_grace_s", "upstream", "models", "routing",
                       "timeouts", "retry", "limits", "pricing", "presets"});

  worker::WorkerConfig w;
  w.profile = ctx.profile;
  std::string log_level = "info";
  read_port(ctx, file, w, result);
  read_top_level(root, w, log_level);
  read_upstream(root, home, w.upstream);
  read_models(root, w.models);
  read_routing(root, w.models, w.routing);
  read_timeouts(root, w.timeouts);
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
