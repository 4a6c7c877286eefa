#include "usage/time_range.h"

#include <charconv>
#include <cstdio>
#include <ctime>
#include <optional>

namespace ccproxy::usage {
namespace {

constexpr std::int64_t kSecond = 1000;

std::string accepted(std::string_view text) {
  return "'" + std::string(text) + "' is not a duration (30m, 1h, 7d, 2w) or a date (2026-12-01)";
}

std::optional<std::int64_t> number(std::string_view digits) {
  if (digits.empty() || digits.size() > 9 ||
      digits.find_first_not_of("0123456789") != std::string_view::npos) {
    return std::nullopt;
  }
  std::int64_t v = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
  if (ec != std::errc() || end != digits.data() + digits.size()) {
    return std::nullopt;
  }
  return v;
}

std::optional<std::int64_t> duration_ms(std::string_view text) {
  if (text.size() < 2) {
    return std::nullopt;
  }
  auto n = number(text.substr(0, text.size() - 1));
  if (!n) {
    return std::nullopt;
  }
  switch (text.back()) {
    case 's':
      return *n * kSecond;
    case 'm':
      return *n * 60 * kSecond;
    case 'h':
      return *n * 3600 * kSecond;
    case 'd':
      return *n * 86400 * kSecond;
    case 'w':
      return *n * 7 * 86400 * kSecond;
    default:
      return std::nullopt;
  }
}

/// Local midnight starting the date, when `text` is a real YYYY-MM-DD date.
std::optional<std::int64_t> date_ms(std::string_view text, int add_days) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') {
    return std::nullopt;
  }
  auto y = number(text.substr(0, 4));
  auto m = number(text.substr(5, 2));
  auto d = number(text.substr(8, 2));
  if (!y || !m || !d || *y < 1970 || *m < 1 || *m > 12 || *d < 1 || *d > 31) {
    return std::nullopt;
  }
  std::tm tm{};
  tm.tm_year = static_cast<int>(*y) - 1900;
  tm.tm_mon = static_cast<int>(*m) - 1;
  tm.tm_mday = static_cast<int>(*d);
  tm.tm_isdst = -1;
  std::tm check = tm;
  if (std::mktime(&check) == -1 || check.tm_mday != tm.tm_mday || check.tm_mon != tm.tm_mon) {
    return std::nullopt;  // 2026-02-30
  }
  tm.tm_mday += add_days;
  const std::time_t t = std::mktime(&tm);
  return static_cast<std::int64_t>(t) * kSecond;
}

std::tm local_tm(std::int64_t ms) {
  std::time_t t = static_cast<std::time_t>(ms / kSecond);
  std::tm tm{};
  localtime_r(&t, &tm);
  return tm;
}

}  // namespace

Result<std::int64_t> parse_time_bound(std::string_view text, std::int64_t now_ms, Bound bound) {
  if (auto d = duration_ms(text)) {
    return now_ms - *d;
  }
  if (auto t = date_ms(text, bound == Bound::until ? 1 : 0)) {
    return *t;
  }
  return fail(accepted(text));
}

std::string local_day(std::int64_t ms) {
  const std::tm tm = local_tm(ms);
  char buf[48];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
  return buf;
}

std::int64_t start_of_local_day(std::int64_t ms) {
  std::tm tm = local_tm(ms);
  tm.tm_hour = 0;
  tm.tm_min = 0;
  tm.tm_sec = 0;
  tm.tm_isdst = -1;
  return static_cast<std::int64_t>(std::mktime(&tm)) * kSecond;
}

}  // namespace ccproxy::usage
