#include "logging/archive_name.h"

#include <ctime>

namespace ccproxy::logging {
namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// Consumes exactly n digits from s.
bool take_digits(std::string_view& s, std::size_t n) {
  if (s.size() < n) {
    return false;
  }
  for (std::size_t i = 0; i < n; ++i) {
    if (!is_digit(s[i])) {
      return false;
    }
  }
  s.remove_prefix(n);
  return true;
}

bool take(std::string_view& s, std::string_view prefix) {
  if (s.substr(0, prefix.size()) != prefix) {
    return false;
  }
  s.remove_prefix(prefix.size());
  return true;
}

}  // namespace

bool is_log_stem(std::string_view stem) {
  if (stem.empty()) {
    return false;
  }
  for (char c : stem) {
    bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '_' || c == '-';
    if (!ok) {
      return false;
    }
  }
  return true;
}

std::optional<ArchiveName> parse_archive_name(std::string_view file_name, bool allow_tmp) {
  // The stem cannot contain '.', so the first '.' ends it.
  auto dot = file_name.find('.');
  if (dot == std::string_view::npos) {
    return std::nullopt;
  }
  ArchiveName out;
  out.stem = std::string(file_name.substr(0, dot));
  if (!is_log_stem(out.stem)) {
    return std::nullopt;
  }
  std::string_view rest = file_name.substr(dot);
  if (!take(rest, ".log.")) {
    return std::nullopt;
  }
  std::string_view stamp_start = rest;
  if (!take_digits(rest, 8) || !take(rest, "-") || !take_digits(rest, 6)) {
    return std::nullopt;
  }
  out.stamp = std::string(stamp_start.substr(0, 15));
  if (!rest.empty() && rest[0] == '-') {
    rest.remove_prefix(1);
    std::size_t n = 0;
    while (n < rest.size() && is_digit(rest[n])) {
      ++n;
    }
    if (n == 0 || n > 6) {
      return std::nullopt;
    }
    out.suffix = std::stoi(std::string(rest.substr(0, n)));
    rest.remove_prefix(n);
  }
  if (rest.empty()) {
    return out;
  }
  if (rest == ".gz") {
    out.gz = true;
    return out;
  }
  if (allow_tmp && rest == ".gz.tmp") {
    out.tmp = true;
    return out;
  }
  return std::nullopt;
}

std::string archive_stamp(std::chrono::system_clock::time_point t) {
  std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  localtime_r(&tt, &tm);
  char buf[32];
  std::size_t n = std::strftime(buf, sizeof buf, "%Y%m%d-%H%M%S", &tm);
  return std::string(buf, n);
}

std::string archive_file_name(std::string_view stem, std::string_view stamp, int suffix) {
  std::string out;
  out.reserve(stem.size() + stamp.size() + 16);
  out.append(stem).append(".log.").append(stamp);
  if (suffix > 0) {
    out.append("-").append(std::to_string(suffix));
  }
  return out;
}

}  // namespace ccproxy::logging
