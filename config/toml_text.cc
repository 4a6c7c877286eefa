#include "config/toml_text.h"

#include <cmath>
#include <cstdint>
#include <cstdio>

#include "config/interpolate.h"

namespace ccproxy::config {

namespace {

bool is_control(char c) {
  return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
}

// A control character as a TOML escape: \n, \t, \r or \u00XX.
std::string control_escape(char c) {
  switch (c) {
    case '\n':
      return "\\n";
    case '\t':
      return "\\t";
    case '\r':
      return "\\r";
    default: {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
      return buf;
    }
  }
}

}  // namespace

std::string toml_string(std::string_view value, bool escape_dollar) {
  const std::string text = escape_dollar ? escape_interpolation(value) : std::string(value);
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (is_control(c)) {
      out += control_escape(c);
    } else {
      out.push_back(c);
    }
  }
  out.push_back('"');
  return out;
}

std::string toml_comment_text(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (is_control(c)) {
      out += control_escape(c);
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string toml_number(double v) {
  if (v == std::floor(v) && v < 1e12) {
    return std::to_string(static_cast<int64_t>(v));
  }
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.3f", v);
  std::string out = buf;
  while (out.back() == '0') {
    out.pop_back();
  }
  if (out.back() == '.') {
    out.push_back('0');
  }
  return out;
}

}  // namespace ccproxy::config
