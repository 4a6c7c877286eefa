// Pass-through requests: validated like a translated request, then forwarded byte for byte
// except for the mapped `model` and the clamped `max_tokens`. Validation refuses a request
// naming either twice (request_converter.cc), so each is replaced where it is, found by its
// decoded name as the validating parse read it.

#include <cstring>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "worker/convert/json_access.h"
#include "worker/convert/json_writer.h"
#include "worker/convert/request.h"
#include "worker/convert/request_converter.h"

namespace ccproxy::convert {
namespace {

struct Span {
  size_t begin;
  size_t end;
};

// Skips one JSON value starting at `i` (the document is known to be valid JSON).
size_t skip_value(std::string_view s, size_t i) {
  if (i >= s.size()) {
    return s.size();
  }
  if (s[i] == '"') {
    // The closing quote is the first one preceded by an even number of backslashes.
    size_t j = i + 1;
    while (j < s.size()) {
      const void* hit = std::memchr(s.data() + j, '"', s.size() - j);
      if (hit == nullptr) {
        return s.size();
      }
      const size_t q = size_t(static_cast<const char*>(hit) - s.data());
      size_t backslashes = 0;
      while (q - backslashes > i + 1 && s[q - backslashes - 1] == '\\') {
        ++backslashes;
      }
      if (backslashes % 2 == 0) {
        return q + 1;
      }
      j = q + 1;
    }
    return s.size();
  }
  if (s[i] == '{' || s[i] == '[') {
    int depth = 0;
    while (i < s.size()) {
      const char c = s[i];
      if (c == '"') {
        i = skip_value(s, i);
        continue;
      }
      if (c == '{' || c == '[') {
        ++depth;
      } else if (c == '}' || c == ']') {
        if (--depth == 0) {
          return i + 1;
        }
      }
      ++i;
    }
    return s.size();
  }
  while (i < s.size() && !detail::is_json_space(s[i]) && s[i] != ',' && s[i] != '}' &&
         s[i] != ']') {
    ++i;
  }
  return i;
}

// Whether the key written as `raw` (between its quotes) names `name`, an ASCII name without
// characters that need escaping: compared decoded, as the validating parse (and the upstream)
// read it, so "mod\u0065l" is "model".
bool key_names(std::string_view raw, std::string_view name) {
  if (raw.find('\\') == std::string_view::npos) {
    return raw == name;
  }
  size_t n = 0;
  for (size_t i = 0; i < raw.size(); ++n) {
    char c = raw[i++];
    if (c == '\\') {
      if (i >= raw.size()) {
        return false;
      }
      const char e = raw[i++];
      if (e == '"' || e == '\\' || e == '/') {
        c = e;
      } else if (e != 'u') {
        return false;  // \b \f \n \r \t: control characters, never in `name`
      } else {
        int code = 0;
        for (int k = 0; k < 4; ++k) {
          const int d = i < raw.size() ? json_hex_value(raw[i++]) : -1;
          if (d < 0) {
            return false;
          }
          code = code * 16 + d;
        }
        if (code >= 0x80) {
          return false;  // not ASCII, so not in `name`
        }
        c = char(code);
      }
    }
    if (n >= name.size() || name[n] != c) {
      return false;
    }
  }
  return n == name.size();
}

// Calls fn(raw key, value span) for each top-level member in document order until it returns
// false: one pass over the body at most.
template <typename Fn>
void for_each_member(std::string_view s, Fn&& fn) {
  size_t i = 0;
  while (i < s.size() && detail::is_json_space(s[i])) {
    ++i;
  }
  if (i >= s.size() || s[i] != '{') {
    return;
  }
  ++i;
  while (i < s.size()) {
    while (i < s.size() && (detail::is_json_space(s[i]) || s[i] == ',')) {
      ++i;
    }
    if (i >= s.size() || s[i] != '"') {
      break;
    }
    const size_t key_end = skip_value(s, i);
    if (key_end > s.size()) {
      break;
    }
    const std::string_view name = s.substr(i + 1, key_end - i - 2);
    i = key_end;
    while (i < s.size() && (detail::is_json_space(s[i]) || s[i] == ':')) {
      ++i;
    }
    const size_t value_begin = i;
    i = skip_value(s, i);
    if (!fn(name, Span{value_begin, i})) {
      return;
    }
  }
}

// Byte spans of the values of top-level members named `a` or `b` (keys compared decoded), in
// document order: one pass over the body.
std::vector<std::pair<Span, bool>> top_level_values(std::string_view s, std::string_view a,
                                                    std::string_view b) {
  std::vector<std::pair<Span, bool>> spans;  // (span, whether it is `a`)
  for_each_member(s, [&](std::string_view name, Span value) {
    const bool is_a = key_names(name, a);
    if (is_a || key_names(name, b)) {
      spans.emplace_back(value, is_a);
    }
    return true;
  });
  return spans;
}

}  // namespace

std::string_view peek_model(std::string_view anthropic_body) {
  std::string_view model;
  for_each_member(anthropic_body, [&](std::string_view name, Span value) {
    if (!key_names(name, "model")) {
      return true;
    }
    if (value.end - value.begin >= 2 && anthropic_body[value.begin] == '"') {
      model = anthropic_body.substr(value.begin + 1, value.end - value.begin - 2);
    }
    return false;
  });
  return model;
}

Result<ConvertedRequest, ApiError> to_passthrough_request(std::string_view anthropic_body,
                                                          const RequestOptions& options) {
  // A body that only parsed after repair (invalid UTF-8, lone surrogate escapes) is
  // forwarded repaired, so the upstream gets valid JSON.
  std::string repaired;
  auto converted = detail::convert_request(anthropic_body, options, true, &repaired);
  if (!repaired.empty()) {
    anthropic_body = repaired;
  }
  if (!converted) {
    return fail(std::move(converted).error());
  }
  ConvertedRequest result = std::move(converted).value();
  result.spliced.reset();  // the client's own body goes upstream, not the translated one

  // The clamped max_tokens is the one the translated body carries.
  const std::string& translated = result.body;
  const size_t pos = translated.find(",\"max_tokens\":");
  std::string_view max_tokens;
  if (pos != std::string::npos) {
    const size_t begin = pos + 14;
    size_t end = begin;
    while (end < translated.size() && translated[end] >= '0' && translated[end] <= '9') {
      ++end;
    }
    max_tokens = std::string_view(translated).substr(begin, end - begin);
  }
  std::string model_json;
  append_json_string(model_json, result.upstream_model);

  std::string body;
  body.reserve(anthropic_body.size() + 64);
  size_t copied = 0;
  for (const auto& [span, is_model] : top_level_values(anthropic_body, "model", "max_tokens")) {
    body.append(anthropic_body.substr(copied, span.begin - copied));
    body.append(is_model ? std::string_view(model_json) : max_tokens);
    copied = span.end;
  }
  body.append(anthropic_body.substr(copied));
  result.body = std::move(body);
  return result;
}

}  // namespace ccproxy::convert
