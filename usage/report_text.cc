#include "usage/report_text.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <nlohmann/json.hpp>
#include <vector>

namespace ccproxy::usage {
namespace {

std::vector<std::string> key_header(Grouping by) {
  switch (by) {
    case Grouping::profile_model:
      return {"PROFILE", "MODEL"};
    case Grouping::profile:
      return {"PROFILE"};
    case Grouping::model:
      return {"MODEL"};
    case Grouping::day:
      return {"DAY"};
    case Grouping::session:
      return {"SESSION"};
  }
  return {};
}

std::vector<std::string> key_cells(const Totals& t, Grouping by) {
  auto dash = [](const std::string& s) { return s.empty() ? std::string("-") : s; };
  switch (by) {
    case Grouping::profile_model:
      return {dash(t.profile), dash(t.model)};
    case Grouping::profile:
      return {dash(t.profile)};
    case Grouping::model:
      return {dash(t.model)};
    case Grouping::day:
      return {dash(t.day)};
    case Grouping::session:
      return {dash(t.session)};
  }
  return {};
}

std::string rate_text(std::optional<double> rate) {
  if (!rate) {
    return "-";
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.0f%%", *rate * 100);
  return buf;
}

std::string ms_text(std::optional<std::int64_t> ms) {
  if (!ms) {
    return "-";
  }
  if (*ms < 10'000) {
    return std::to_string(*ms) + "ms";
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1fs", static_cast<double>(*ms) / 1000.0);
  return buf;
}

std::vector<std::string> number_cells(const Totals& t) {
  return {group_digits(t.requests),
          group_digits(t.errors),
          group_digits(t.input_tokens),
          group_digits(t.output_tokens),
          group_digits(t.cache_read_tokens),
          rate_text(t.cache_hit_rate),
          money_text(t.cost_usd),
          ms_text(t.p50_latency_ms)};
}

std::int64_t all_tokens(const Totals& t) {
  return t.input_tokens + t.output_tokens + t.cache_read_tokens + t.cache_write_tokens;
}

std::string bar(std::int64_t value, std::int64_t max, bool colour) {
  constexpr int kWidth = 30;
  if (max <= 0) {
    return "";
  }
  int n = static_cast<int>(std::lround(static_cast<double>(value) * kWidth / max));
  if (n == 0 && value > 0) {
    n = 1;
  }
  std::string out;
  for (int i = 0; i < n; ++i) {
    out += "\u2588";
  }
  return colour && n > 0 ? "\033[36m" + out + "\033[0m" : out;
}

nlohmann::json optional_json(const std::optional<double>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}
nlohmann::json optional_json(const std::optional<std::int64_t>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

nlohmann::json totals_json(const Totals& t) {
  nlohmann::json j;
  j["requests"] = t.requests;
  j["errors"] = t.errors;
  j["input_tokens"] = t.input_tokens;
  j["output_tokens"] = t.output_tokens;
  j["cache_read_tokens"] = t.cache_read_tokens;
  j["cache_write_tokens"] = t.cache_write_tokens;
  j["cache_hit_rate"] = optional_json(t.cache_hit_rate);
  j["cost_usd"] = optional_json(t.cost_usd);
  j["unpriced_requests"] = t.unpriced_requests;
  j["p50_latency_ms"] = optional_json(t.p50_latency_ms);
  j["p50_ttfb_ms"] = optional_json(t.p50_ttfb_ms);
  return j;
}

std::string iso_utc(std::int64_t ms) {
  std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

const char* grouping_name(Grouping by) {
  switch (by) {
    case Grouping::profile_model:
      return "profile,model";
    case Grouping::profile:
      return "profile";
    case Grouping::model:
      return "model";
    case Grouping::day:
      return "day";
    case Grouping::session:
      return "session";
  }
  return "";
}

}  // namespace

std::string group_digits(std::int64_t n) {
  std::string digits = std::to_string(n < 0 ? -n : n);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) {
      out += ',';
    }
    out += digits[i];
  }
  return n < 0 ? "-" + out : out;
}

std::string money_text(std::optional<double> usd) {
  if (!usd) {
    return "-";
  }
  char buf[64];
  if (*usd < 1.0) {
    std::snprintf(buf, sizeof buf, "$%.4f", *usd);
    return buf;
  }
  const auto cents = static_cast<std::int64_t>(std::llround(*usd * 100));
  std::snprintf(buf, sizeof buf, ".%02lld", static_cast<long long>(cents % 100));
  return "$" + group_digits(cents / 100) + buf;
}

std::string short_count(std::int64_t n) {
  char buf[32];
  if (n >= 1'000'000) {
    std::snprintf(buf, sizeof buf, "%.1fM", static_cast<double>(n) / 1e6);
  } else if (n >= 1000) {
    std::snprintf(buf, sizeof buf, "%.1fk", static_cast<double>(n) / 1e3);
  } else {
    return std::to_string(n);
  }
  return buf;
}

std::string render_report(const Report& report, Grouping by, bool chart, bool colour) {
  std::vector<std::string> header = key_header(by);
  const std::size_t keys = header.size();
  for (const char* h :
       {"REQUESTS", "ERRORS", "INPUT", "OUTPUT", "CACHE-READ", "HIT", "COST", "P50"}) {
    header.emplace_back(h);
  }
  std::vector<std::vector<std::string>> lines{header};
  std::int64_t max_tokens = 0;
  for (const Totals& t : report.rows) {
    std::vector<std::string> cells = key_cells(t, by);
    for (auto& c : number_cells(t)) {
      cells.push_back(std::move(c));
    }
    lines.push_back(std::move(cells));
    max_tokens = std::max(max_tokens, all_tokens(t));
  }
  std::vector<std::string> total(keys, "");
  total[0] = "TOTAL";
  for (auto& c : number_cells(report.total)) {
    total.push_back(std::move(c));
  }
  lines.push_back(std::move(total));

  std::vector<std::size_t> width(header.size(), 0);
  for (const auto& l : lines) {
    for (std::size_t c = 0; c < l.size(); ++c) {
      width[c] = std::max(width[c], l[c].size());
    }
  }
  std::string out;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    std::string line;
    for (std::size_t c = 0; c < lines[i].size(); ++c) {
      const std::string& cell = lines[i][c];
      const std::string pad(width[c] - cell.size(), ' ');
      line += c < keys ? cell + pad : pad + cell;  // keys left, numbers right
      line += "  ";
    }
    const bool row = i > 0 && i + 1 < lines.size();
    if (chart && row) {
      line += bar(all_tokens(report.rows[i - 1]), max_tokens, colour);
    } else if (chart && i == 0) {
      line += "TOKENS";
    }
    while (!line.empty() && line.back() == ' ') {
      line.pop_back();
    }
    out += line + "\n";
  }
  return out;
}

nlohmann::json report_json(const Report& report, Grouping by, std::int64_t since_ms,
                           std::optional<std::int64_t> until_ms) {
  nlohmann::json rows = nlohmann::json::array();
  for (const Totals& t : report.rows) {
    nlohmann::json j;
    if (by == Grouping::profile_model || by == Grouping::profile) {
      j["profile"] = t.profile;
    }
    if (by == Grouping::profile_model || by == Grouping::model) {
      j["model"] = t.model;
    }
    if (by == Grouping::day) {
      j["day"] = t.day;
    }
    if (by == Grouping::session) {
      j["session"] = t.session.empty() ? nlohmann::json(nullptr) : nlohmann::json(t.session);
    }
    j.update(totals_json(t));
    rows.push_back(std::move(j));
  }
  nlohmann::json out;
  out["by"] = grouping_name(by);
  out["since"] = iso_utc(since_ms);
  out["until"] = until_ms ? nlohmann::json(iso_utc(*until_ms)) : nlohmann::json(nullptr);
  out["rows"] = std::move(rows);
  out["total"] = totals_json(report.total);
  return out;
}

}  // namespace ccproxy::usage
