#pragma once
// Appending JSON text to a std::string: string escaping (control characters, quotes,
// backslashes; valid UTF-8 passed through, invalid bytes replaced by U+FFFD so the output is
// always valid JSON), numbers, and a writer for simdjson DOM values. No allocation beyond the
// output string's growth.

#include <simdjson.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace ccproxy::convert {

/// Appends the JSON-escaped form of `s` without the surrounding quotes.
void append_escaped(std::string& out, std::string_view s);

/// Appends `"s"` with JSON escaping.
inline void append_json_string(std::string& out, std::string_view s) {
  out.push_back('"');
  append_escaped(out, s);
  out.push_back('"');
}

/// The value of one hex digit of a JSON \u escape; -1 for anything else.
int json_hex_value(char c);

void append_int(std::string& out, int64_t v);
void append_uint(std::string& out, uint64_t v);
/// Shortest round-trip form; non-finite values become 0 (JSON has no NaN).
void append_double(std::string& out, double v);

/// Appends `value` as compact JSON. Nesting is bounded by simdjson's parse depth.
void append_dom(std::string& out, simdjson::dom::element value);

/// `s` with every invalid UTF-8 sequence replaced by U+FFFD.
std::string sanitize_utf8(std::string_view s);
/// True when `s` is valid UTF-8.
bool is_valid_utf8(std::string_view s);

/// Rewrites JSON text whose \u escapes hold lone UTF-16 surrogates (JavaScript strings cut in
/// the middle of a surrogate pair serialize that way) to \ufffd, in place and same length,
/// so that a strict parser accepts it. Returns true when something was changed.
bool repair_lone_surrogates(std::string& json);

}  // namespace ccproxy::convert
