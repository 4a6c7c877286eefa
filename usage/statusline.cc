#include "usage/statusline.h"

#include <charconv>
#include <nlohmann/json.hpp>

#include "usage/aggregate.h"
#include "usage/report_text.h"
#include "usage/time_range.h"

namespace ccproxy::usage {
namespace {

std::string string_at(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

/// Cost of `rows` (or of their sums per model) with one profile's prices; null when some row
/// with tokens has none.
std::optional<double> cost_of(const std::vector<UsageRow>& rows, const StatuslineProfile& p) {
  PriceBook book{{p.name, p.prices}};
  return aggregate(rows, Grouping::profile, book).total.cost_usd;
}

}  // namespace

StatuslineInput parse_statusline_input(std::string_view json) {
  StatuslineInput in;
  nlohmann::json j = nlohmann::json::parse(json, nullptr, false);
  if (!j.is_object()) {
    return in;
  }
  in.session_id = string_at(j, "session_id");
  if (auto m = j.find("model"); m != j.end() && m->is_object()) {
    in.model_id = string_at(*m, "id");
  }
  return in;
}

std::optional<int> port_of_base_url(std::string_view url) {
  int default_port = 0;
  if (url.starts_with("http://")) {
    url.remove_prefix(7);
    default_port = 80;
  } else if (url.starts_with("https://")) {
    url.remove_prefix(8);
    default_port = 443;
  } else {
    return std::nullopt;
  }
  url = url.substr(0, url.find_first_of("/?#"));
  if (auto at = url.rfind('@'); at != std::string_view::npos) {
    url.remove_prefix(at + 1);
  }
  const auto bracket = url.rfind(']');
  const auto colon = url.rfind(':');
  if (colon == std::string_view::npos || (bracket != std::string_view::npos && colon < bracket)) {
    return default_port;
  }
  std::string_view digits = url.substr(colon + 1);
  int port = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
  if (ec != std::errc() || end != digits.data() + digits.size() || port < 1 || port > 65535) {
    return std::nullopt;
  }
  return port;
}

std::string statusline_text(const StatuslineProfile& profile, const StatuslineInput& input,
                            LedgerDb* ledger, std::int64_t now_ms) {
  std::string model = profile.model;
  std::string line = profile.name;
  if (ledger == nullptr) {
    return line + " · " + model + " · no usage recorded yet";
  }
  std::string session_part = "session -";
  if (!input.session_id.empty()) {
    RowQuery q;
    q.session = input.session_id;
    q.profile = profile.name;
    auto sums = ledger->sums_by_model(q);
    if (!sums) {
      return line + " · " + model + " · usage unavailable";
    }
    if (!sums->empty()) {
      const UsageRow* latest = &sums->front();
      std::int64_t tokens = 0;
      for (const UsageRow& r : *sums) {
        latest = r.time_ms > latest->time_ms ? &r : latest;
        tokens += r.input_tokens + r.cache_read_tokens + r.cache_write_tokens + r.output_tokens;
      }
      model = latest->model;
      session_part =
          "session " + short_count(tokens) + " tok " + money_text(cost_of(*sums, profile));
    } else {
      session_part = "session 0 tok";
    }
  }
  RowQuery today;
  today.since_ms = start_of_local_day(now_ms);
  today.profile = profile.name;
  auto sums = ledger->sums_by_model(today);
  std::string today_part = "today " + (sums ? money_text(cost_of(*sums, profile)) : "-");
  return line + " · " + model + " · " + session_part + " · " + today_part;
}

}  // namespace ccproxy::usage
