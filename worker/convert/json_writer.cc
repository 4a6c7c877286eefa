#include "worker/convert/json_writer.h"

#include <charconv>
#include <cmath>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace ccproxy::convert {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// Length of the valid UTF-8 sequence starting at s[i] (>= 0x80), or 0 when invalid.
size_t utf8_sequence_length(const unsigned char* s, size_t i, size_t n) {
  const unsigned char c = s[i];
  if (c >= 0xC2 && c <= 0xDF) {
    if (i + 1 < n && (s[i + 1] & 0xC0) == 0x80) {
      return 2;
    }
    return 0;
  }
  if (c >= 0xE0 && c <= 0xEF) {
    if (i + 2 >= n) {
      return 0;
    }
    const unsigned char c1 = s[i + 1];
    const unsigned char c2 = s[i + 2];
    if ((c1 & 0xC0) != 0x80 || (c2 & 0xC0) != 0x80) {
      return 0;
    }
    if (c == 0xE0 && c1 < 0xA0) {
      return 0;  // overlong
    }
    if (c == 0xED && c1 >= 0xA0) {
      return 0;  // surrogate
    }
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (i + 3 >= n) {
      return 0;
    }
    const unsigned char c1 = s[i + 1];
    if ((c1 & 0xC0) != 0x80 || (s[i + 2] & 0xC0) != 0x80 || (s[i + 3] & 0xC0) != 0x80) {
      return 0;
    }
    if (c == 0xF0 && c1 < 0x90) {
      return 0;  // overlong
    }
    if (c == 0xF4 && c1 >= 0x90) {
      return 0;  // > U+10FFFF
    }
    return 4;
  }
  return 0;
}

// 1 for bytes that need attention when escaping: control characters, '"', '\\', non-ASCII.
struct EscapeTable {
  bool special[256];
  constexpr EscapeTable() : special() {
    for (int i = 0; i < 256; ++i) {
      special[i] = i < 0x20 || i == '"' || i == '\\' || i >= 0x80;
    }
  }
};
constexpr EscapeTable kEscape;

// Reads the 4 hex digits after "\u" at json[i] (pointing at the backslash); -1 if malformed.
int read_u_escape(const std::string& json, size_t i) {
  if (i + 6 > json.size() || json[i] != '\\' || json[i + 1] != 'u') {
    return -1;
  }
  int v = 0;
  for (size_t k = i + 2; k < i + 6; ++k) {
    const int h = json_hex_value(json[k]);
    if (h < 0) {
      return -1;
    }
    v = v * 16 + h;
  }
  return v;
}

// Index of the first byte at or after `i` that needs attention, or `n`.
inline size_t next_special(const unsigned char* p, size_t i, size_t n) {
#if defined(__SSE2__)
  // 16 bytes at a time: a signed compare with 0x20 catches control characters and every
  // byte >= 0x80 at once; quotes and backslashes are compared separately.
  const __m128i space = _mm_set1_epi8(0x20);
  const __m128i quote = _mm_set1_epi8('"');
  const __m128i backslash = _mm_set1_epi8('\\');
  while (i + 16 <= n) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
    const __m128i hit =
        _mm_or_si128(_mm_cmplt_epi8(v, space),
                     _mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)));
    const int mask = _mm_movemask_epi8(hit);
    if (mask != 0) {
      return i + size_t(__builtin_ctz(unsigned(mask)));
    }
    i += 16;
  }
#endif
  while (i < n && !kEscape.special[p[i]]) {
    ++i;
  }
  return i;
}

}  // namespace

int json_hex_value(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

void append_escaped(std::string& out, std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  size_t run = 0;  // start of the pending run of bytes copied verbatim
  size_t i = 0;
  while (i < n) {
    i = next_special(p, i, n);
    if (i >= n) {
      break;
    }
    const unsigned char c = p[i];
    if (c >= 0x80) {
      const size_t len = utf8_sequence_length(p, i, n);
      if (len != 0) {
        i += len;
        continue;
      }
      out.append(s.data() + run, i - run);
      out.append(kReplacement);
      ++i;
      run = i;
      continue;
    }
    out.append(s.data() + run, i - run);
    switch (c) {
      case '"':
        out.append("\\\"");
        break;
      case '\\':
        out.append("\\\\");
        break;
      case '\n':
        out.append("\\n");
        break;
      case '\r':
        out.append("\\r");
        break;
      case '\t':
        out.append("\\t");
        break;
      case '\b':
        out.append("\\b");
        break;
      case '\f':
        out.append("\\f");
        break;
      default: {
        static constexpr char kHex[] = "0123456789abcdef";
        const char esc[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xF]};
        out.append(esc, 6);
        break;
      }
    }
    ++i;
    run = i;
  }
  out.append(s.data() + run, n - run);
}

void append_int(std::string& out, int64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

void append_uint(std::string& out, uint64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

void append_double(std::string& out, double v) {
  if (!std::isfinite(v)) {
    out.push_back('0');
    return;
  }
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

void append_dom(std::string& out, simdjson::dom::element value) {
  using simdjson::dom::element_type;
  switch (value.type()) {
    case element_type::OBJECT: {
      out.push_back('{');
      bool first = true;
      for (auto field : simdjson::dom::object(value)) {
        if (!first) {
          out.push_back(',');
        }
        first = false;
        append_json_string(out, field.key);
        out.push_back(':');
        append_dom(out, field.value);
      }
      out.push_back('}');
      return;
    }
    case element_type::ARRAY: {
      out.push_back('[');
      bool first = true;
      for (auto item : simdjson::dom::array(value)) {
        if (!first) {
          out.push_back(',');
        }
        first = false;
        append_dom(out, item);
      }
      out.push_back(']');
      return;
    }
    case element_type::STRING:
      append_json_string(out, std::string_view(value));
      return;
    case element_type::INT64:
      append_int(out, int64_t(value));
      return;
    case element_type::UINT64:
      append_uint(out, uint64_t(value));
      return;
    case element_type::DOUBLE:
      append_double(out, double(value));
      return;
    case element_type::BOOL:
      out.append(bool(value) ? "true" : "false");
      return;
    case element_type::NULL_VALUE:
      out.append("null");
      return;
  }
}

bool is_valid_utf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  size_t i = 0;
  while (i < n) {
    if (p[i] < 0x80) {
      ++i;
      continue;
    }
    const size_t len = utf8_sequence_length(p, i, n);
    if (len == 0) {
      return false;
    }
    i += len;
  }
  return true;
}

std::string sanitize_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 8);
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  size_t i = 0;
  while (i < n) {
    if (p[i] < 0x80) {
      out.push_back(char(p[i]));
      ++i;
      continue;
    }
    const size_t len = utf8_sequence_length(p, i, n);
    if (len == 0) {
      out.append(kReplacement);
      ++i;
      continue;
    }
    out.append(s.data() + i, len);
    i += len;
  }
  return out;
}

bool repair_lone_surrogates(std::string& json) {
  bool changed = false;
  bool in_string = false;
  size_t i = 0;
  const size_t n = json.size();
  while (i < n) {
    const char c = json[i];
    if (!in_string) {
      if (c == '"') {
        in_string = true;
      }
      ++i;
      continue;
    }
    if (c == '"') {
      in_string = false;
      ++i;
      continue;
    }
    if (c != '\\') {
      ++i;
      continue;
    }
    if (i + 1 >= n) {
      break;
    }
    if (json[i + 1] != 'u') {
      i += 2;  // a two-character escape such as \\ or \"
      continue;
    }
    const int v = read_u_escape(json, i);
    if (v < 0) {
      i += 2;
      continue;
    }
    if (v >= 0xD800 && v <= 0xDBFF) {
      const int low = read_u_escape(json, i + 6);
      if (low >= 0xDC00 && low <= 0xDFFF) {
        i += 12;  // a proper pair
        continue;
      }
      json.replace(i, 6, "\\ufffd");
      changed = true;
    } else if (v >= 0xDC00 && v <= 0xDFFF) {
      json.replace(i, 6, "\\ufffd");
      changed = true;
    }
    i += 6;
  }
  return changed;
}

}  // namespace ccproxy::convert
