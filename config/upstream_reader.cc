#include "config/upstream_reader.h"

#include <algorithm>
#include <fstream>
#include <system_error>

#include "common/text.h"
#include "config/provider_reader.h"
#include "config/validate.h"
#include "config/value_readers.h"

namespace ccproxy::config {
namespace {

// The keys of [upstream] (and of [defaults.upstream]).
void reject_unknown_upstream_keys(TableReader& t) {
  t.reject_unknown({"base_url", "api_key", "api_keys", "format", "proxy", "ca_file",
                    "anthropic_version", "headers", "provider", "reasoning", "forward_betas"});
}

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

// api_key = "..." or api_keys = [...]: not both; a list must not be empty, nor any key in it.
void read_keys(TableReader& t, worker::UpstreamConfig& out) {
  auto single = t.find("api_key");
  auto list = t.find("api_keys");
  if (single && list) {
    t.problem(*list, "api_keys", "give api_key or api_keys, not both");
    return;
  }
  if (single) {
    if (auto v = read_secret(t, "api_key"); v && !v->empty()) {
      out.api_keys = {*v};
    }
    return;
  }
  if (!list) {
    return;
  }
  auto keys = t.strings("api_keys");
  if (!keys) {
    return;
  }
  if (keys->empty()) {
    t.problem(*list, "api_keys",
              "empty key list (leave api_keys out for an upstream without keys)");
    return;
  }
  for (std::size_t i = 0; i < keys->size(); ++i) {
    const std::string& k = (*keys)[i];
    if (k.empty() || has_control_chars(k)) {
      t.problem(
          *list, "api_keys[" + std::to_string(i) + "]",
          k.empty() ? "must not be empty" : "must not contain line breaks or control characters");
      return;
    }
  }
  out.api_keys = std::move(*keys);
}

// What [upstream] and an [[upstreams]] entry share besides the URL and keys.
void read_connection(TableReader& t, const Home& home, worker::UpstreamConfig& out) {
  if (auto v = read_enum(t, "format", {"openai", "anthropic"})) {
    out.format =
        *v == "openai" ? worker::UpstreamFormat::openai : worker::UpstreamFormat::anthropic;
  }
  read_proxy(t, out);
  read_ca_file(t, home, out);
  read_anthropic_version(t, out);
  read_provider_settings(t, out);
  // An entry's headers replace the shared ones of the same name.
  worker::UpstreamConfig own;
  read_headers(t, own);
  for (auto& header : own.headers) {
    const std::string& name = header.first;
    std::erase_if(out.headers, [&](const auto& h) { return ascii_iequals(h.first, name); });
    out.headers.push_back(std::move(header));
  }
}

// [upstream] of a profile without a pool.
void read_single(TableReader& root, const Home& home, worker::UpstreamConfig& out) {
  TableReader upstream = root.table("upstream");
  reject_unknown_upstream_keys(upstream);
  read_base_url(upstream, out);
  read_keys(upstream, out);
  read_connection(upstream, home, out);
  out.name = host_name_of(out.base_url);
}

// The routing tiers vision, long and think: unset (their rule off) unless given.
void read_routing_tiers(TableReader& models, worker::ModelMap& out) {
  for (auto [key, slot] : {std::pair{"vision", &out.vision}, std::pair{"long", &out.long_context},
                           std::pair{"think", &out.think}}) {
    if (auto v = read_model(models, key)) {
      *slot = *v;
    }
  }
}

// [models]: middle and small default to big.
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
  read_routing_tiers(models, out);
  if (auto v = models.boolean("passthrough")) {
    out.passthrough_provider_models = *v;
  }
}

// [upstreams.models]: only the tiers given are served here.
void read_member_models(TableReader& entry, worker::ModelMap& out) {
  TableReader models = entry.table("models");
  models.reject_unknown({"big", "middle", "small", "vision", "long", "think", "passthrough"});
  for (auto [key, slot] : {std::pair{"big", &out.big}, std::pair{"middle", &out.middle},
                           std::pair{"small", &out.small}}) {
    if (auto v = read_model(models, key)) {
      *slot = *v;
    }
  }
  read_routing_tiers(models, out);
  if (auto v = models.boolean("passthrough")) {
    out.passthrough_provider_models = *v;
  }
  if (out.big.empty() && out.middle.empty() && out.small.empty() && out.vision.empty() &&
      out.long_context.empty() && out.think.empty() && !models.has("big") &&
      !models.has("middle") && !models.has("small")) {
    entry.missing("models", "serves no tier: give [upstreams.models] big, middle or small");
  }
}

// [upstreams.timeouts]: connect_s, first_byte_s and idle_s of this upstream.
void read_member_timeouts(TableReader& entry, worker::Timeouts& out) {
  TableReader timeouts = entry.table("timeouts");
  timeouts.reject_unknown({"connect_s", "first_byte_s", "idle_s"});
  read_timeout_values(timeouts, out, false);
}

bool valid_name(std::string_view name) {
  return !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.';
  });
}

void read_name(TableReader& entry, worker::UpstreamConfig& out) {
  out.name = host_name_of(out.base_url);
  if (auto found = entry.find("name")) {
    if (auto v = entry.string("name")) {
      if (!valid_name(*v)) {
        entry.problem(*found, "name", "1 to 64 letters, digits, '-', '_' or '.'");
      } else {
        out.name = *v;
      }
    }
  }
}

struct PoolSource {
  const toml::node* node = nullptr;  // the upstreams array
  const Layer* layer = nullptr;
};

// Every [[upstreams]] entry, starting from `shared` (the [defaults.upstream] settings).
void read_pool(TableReader& root, const Home& home, const PoolSource& src,
               const worker::UpstreamConfig& shared, worker::WorkerConfig& w) {
  ReadContext& ctx = root.context();
  const TableReader::Found at{src.node, src.layer};
  const auto* entries = src.node->as_array();
  if (entries == nullptr || !entries->is_array_of_tables()) {
    root.problem(at, "upstreams", "expected [[upstreams]] tables, got " + describe_type(*src.node));
    return;
  }
  if (entries->empty()) {
    root.problem(at, "upstreams", "no upstream in the pool");
    return;
  }
  std::vector<std::pair<std::string, const toml::node*>> names;
  for (std::size_t i = 0; i < entries->size(); ++i) {
    const toml::table* t = entries->get(i)->as_table();
    TableReader entry(ctx, {Layer{t, src.layer->prefix}}, "upstreams[" + std::to_string(i) + "]");
    entry.reject_unknown({"name", "base_url", "api_key", "api_keys", "format", "proxy", "ca_file",
                          "anthropic_version", "headers", "provider", "reasoning", "forward_betas",
                          "models", "timeouts"});
    worker::UpstreamConfig u = shared;
    u.timeouts = w.timeouts;
    read_base_url(entry, u);
    read_name(entry, u);
    read_keys(entry, u);
    read_connection(entry, home, u);
    read_member_models(entry, u.models);
    read_member_timeouts(entry, u.timeouts);
    const toml::node* name_node = t->get("name") != nullptr ? t->get("name") : entries->get(i);
    for (const auto& [seen, seen_node] : names) {
      if (seen == u.name) {
        entry.problem({name_node, src.layer}, "name",
                      "'" + u.name + "' names an earlier upstream too (line " +
                          std::to_string(seen_node->source().begin.line) +
                          "); give each [[upstreams]] its own name");
      }
    }
    names.emplace_back(u.name, name_node);
    w.upstreams.push_back(std::move(u));
  }
  const bool big_served = std::any_of(w.upstreams.begin(), w.upstreams.end(),
                                      [](const auto& u) { return !u.models.big.empty(); });
  if (!big_served && w.upstreams.size() == entries->size()) {
    root.problem(at, "upstreams",
                 "no upstream serves big (opus and unknown models): give one of them "
                 "[upstreams.models] big");
  }
}

// [balance]
void read_balance(TableReader& root, worker::Balance& out) {
  TableReader balance = root.table("balance");
  balance.reject_unknown({"strategy", "cooldown_s"});
  if (auto v = read_enum(balance, "strategy", {"priority", "round-robin", "random"})) {
    out.strategy = *v == "priority"      ? worker::BalanceStrategy::priority
                   : *v == "round-robin" ? worker::BalanceStrategy::round_robin
                                         : worker::BalanceStrategy::random;
  }
  if (auto v = balance.seconds("cooldown_s", false, 86400)) {
    out.cooldown = *v;
  }
}

const toml::node* get(const Layer* layer, std::string_view key) {
  return layer != nullptr && layer->table != nullptr ? layer->table->get(key) : nullptr;
}

}  // namespace

std::string host_name_of(std::string_view base_url) {
  auto scheme = base_url.find("://");
  std::string_view rest = scheme == std::string_view::npos ? base_url : base_url.substr(scheme + 3);
  rest = rest.substr(0, rest.find_first_of("/?#"));
  if (auto at = rest.rfind('@'); at != std::string_view::npos) {
    rest = rest.substr(at + 1);
  }
  return rest.empty() ? std::string("upstream") : std::string(rest);
}

void read_upstreams(TableReader& root, const Home& home, worker::WorkerConfig& w) {
  const auto& layers = root.layers();
  const Layer* own = layers.empty() ? nullptr : &layers[0];
  const Layer* defaults = layers.size() > 1 ? &layers[1] : nullptr;
  for (const Layer* layer : {own, defaults}) {
    if (get(layer, "upstreams") != nullptr && get(layer, "upstream") != nullptr) {
      root.problem({get(layer, "upstream"), layer}, "upstream",
                   "[upstream] and [[upstreams]] are both given: make it one [[upstreams]] "
                   "entry of the pool");
      return;
    }
  }
  // The profile's own file decides; [defaults] only when the profile has neither.
  PoolSource pool;
  if (get(own, "upstreams") != nullptr) {
    pool = {get(own, "upstreams"), own};
  } else if (get(own, "upstream") == nullptr && get(defaults, "upstreams") != nullptr) {
    pool = {get(defaults, "upstreams"), defaults};
  }
  read_balance(root, w.balance);
  if (pool.node == nullptr) {
    worker::UpstreamConfig u;
    u.timeouts = w.timeouts;
    read_single(root, home, u);
    read_models(root, u.models);
    w.upstreams.push_back(std::move(u));
    return;
  }
  if (const toml::node* models = get(pool.layer, "models")) {
    root.problem({models, pool.layer}, "models",
                 "with [[upstreams]] each upstream has its own [upstreams.models]");
  }
  // [defaults.upstream] gives a pool its shared settings (headers, proxy, format...).
  worker::UpstreamConfig shared;
  if (pool.layer == own && defaults != nullptr) {
    if (const toml::node* d = get(defaults, "upstream"); d != nullptr && d->is_table()) {
      TableReader base(root.context(), {Layer{d->as_table(), defaults->prefix}}, "upstream");
      reject_unknown_upstream_keys(base);
      read_connection(base, home, shared);
    }
  }
  read_pool(root, home, pool, shared, w);
}

}  // namespace ccproxy::config
