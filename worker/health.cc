#include "worker/health.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <nlohmann/json.hpp>

namespace ccproxy::worker {

std::string display_url(const std::string& url) {
  auto scheme_end = url.find("://");
  if (scheme_end == std::string::npos) {
    return url;
  }
  auto authority_start = scheme_end + 3;
  auto authority_end = url.find_first_of("/?#", authority_start);
  auto at = url.rfind('@', authority_end == std::string::npos ? url.size() : authority_end);
  if (at == std::string::npos || at < authority_start) {
    return url;
  }
  return url.substr(0, authority_start) + url.substr(at + 1);
}

std::string iso8601_now() {
  auto now = std::chrono::system_clock::now();
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()) % 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms.count()));
  return buf;
}

std::string health_json(const HealthSnapshot& s) {
  const WorkerConfig& c = *s.config;
  static const UpstreamConfig kNone;
  // The top-level fields describe the first upstream (the whole pool is under "upstreams").
  const UpstreamConfig& first = c.upstreams.empty() ? kNone : c.upstreams.front();
  bool key_configured = !first.api_keys.empty();
  // "Valid" can only mean "plausible" here: the provider is never called from /health.
  bool key_plausible =
      key_configured &&
      std::all_of(first.api_keys.begin(), first.api_keys.end(), [](const std::string& k) {
        return !k.empty() && k.find_first_of(" \t\r\n") == std::string::npos;
      });
  nlohmann::ordered_json j = {
      {"status", "healthy"},
      {"timestamp", s.timestamp},
      {"server", {{"host", c.host}, {"port", s.port}}},
      {"models",
       {{"big_model", first.models.big},
        {"middle_model", first.models.middle},
        {"small_model", first.models.small}}},
      {"api_status",
       {{"openai_api_configured", key_configured},
        {"api_key_valid", key_plausible},
        {"client_api_key_validation", !c.client_api_key.empty()},
        {"openai_base_url", display_url(first.base_url)}}},
      {"profile", c.profile},
      {"pid", s.pid},
      {"uptime_s", static_cast<int64_t>(s.uptime_s)},
      {"version", CCPROXY_VERSION},
      {"upstream_format", first.format == UpstreamFormat::openai ? "openai" : "anthropic"},
  };
  nlohmann::ordered_json pool = nlohmann::ordered_json::array();
  for (std::size_t i = 0; i < s.upstreams.size(); ++i) {
    const UpstreamStatus& u = s.upstreams[i];
    nlohmann::ordered_json one = {
        {"name", u.name},
        {"state", state_name(u.state)},
        {"cooldown_left_s", std::ceil(u.cooldown_left_s)},
        {"keys_ok", u.keys_ok},
        {"keys_total", u.keys_total},
        {"last_error", u.last_error},
        {"requests", u.requests},
        {"failures", u.failures},
    };
    if (i < c.upstreams.size()) {
      one["base_url"] = display_url(c.upstreams[i].base_url);
      one["format"] = c.upstreams[i].format == UpstreamFormat::openai ? "openai" : "anthropic";
    }
    pool.push_back(std::move(one));
  }
  j["upstreams"] = std::move(pool);
  if (!c.display_name.empty()) {
    j["display_name"] = c.display_name;
  }
  if (s.metrics != nullptr) {
    j["requests"] = {
        {"total", s.metrics->requests_total()},
        {"failed", s.metrics->requests_failed()},
        {"in_flight", s.metrics->in_flight()},
        {"open_streams", s.metrics->open_streams()},
    };
  }
  // An upstream's last error may hold any bytes it sent: invalid UTF-8 is replaced.
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace ccproxy::worker
