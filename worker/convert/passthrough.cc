// Pass-through requests: validated like a translated request, then forwarded byte for byte
// except for the mapped `model`, the clamped `max_tokens` and the fields of betas that are
// not forwarded (providers/anthropic_betas.h). Validation refuses a request
// naming either twice (request_converter.cc), so each is replaced where it is, found by its
// decoded name as the validating parse read it.

#include <cstring>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "worker/convert/json_access.h"
#include "worker/convert/json_writer.h"
#include "worker/convert/providers/anthropic_betas.h"
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

// One top-level member: its key as written (between the quotes), where the key starts, and
// its value.
struct Member {
  std::string_view name;
  size_t key_begin;
  Span value;
};

// Calls fn(member) for each top-level member of a JSON object text in document order until
// it returns false: one pass over the body at most.
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
    const size_t key_begin = i;
    i = key_end;
    while (i < s.size() && (detail::is_json_space(s[i]) || s[i] == ':')) {
      ++i;
    }
    const size_t value_begin = i;
    i = skip_value(s, i);
    if (!fn(Member{name, key_begin, Span{value_begin, i}})) {
      return;
    }
  }
}

// The top-level members of a JSON object text, in document order: one pass over the body.
std::vector<Member> top_level_members(std::string_view s) {
  std::vector<Member> members;
  for_each_member(s, [&](const Member& m) {
    members.push_back(m);
    return true;
  });
  return members;
}

bool names_any(std::string_view raw, const std::vector<std::string_view>& names) {
  for (std::string_view name : names) {
    if (key_names(raw, name)) {
      return true;
    }
  }
  return false;
}

// The body with `model` and `max_tokens` replaced, and the members named in `drop` left out
// (then the members are rejoined with plain commas).
std::string rewrite_members(std::string_view body, std::string_view model_json,
                            std::string_view max_tokens,
                            const std::vector<std::string_view>& drop) {
  const std::vector<Member> members = top_level_members(body);
  bool dropping = false;
  for (const Member& m : members) {
    dropping = dropping || names_any(m.name, drop);
  }
  auto replacement = [&](const Member& m) -> std::string_view {
    if (key_names(m.name, "model")) {
      return model_json;
    }
    if (key_names(m.name, "max_tokens")) {
      return max_tokens;
    }
    return body.substr(m.value.begin, m.value.end - m.value.begin);
  };
  std::string out;
  out.reserve(body.size() + 64);
  if (!dropping) {
    size_t copied = 0;
    for (const Member& m : members) {
      if (key_names(m.name, "model") || key_names(m.name, "max_tokens")) {
        out.append(body.substr(copied, m.value.begin - copied));
        out.append(replacement(m));
        copied = m.value.end;
      }
    }
    out.append(body.substr(copied));
    return out;
  }
  out.append(body.substr(0, members.front().key_begin));
  bool first = true;
  for (const Member& m : members) {
    if (names_any(m.name, drop)) {
      continue;
    }
    if (!first) {
      out.push_back(',');
    }
    first = false;
    out.append(body.substr(m.key_begin, m.value.begin - m.key_begin));
    out.append(replacement(m));
  }
  out.append(body.substr(members.back().value.end));
  return out;
}

}  // namespace

std::string_view peek_model(std::string_view anthropic_body) {
  std::string_view model;
  for_each_member(anthropic_body, [&](const Member& m) {
    if (!key_names(m.name, "model")) {
      return true;
    }
    if (m.value.end - m.value.begin >= 2 && anthropic_body[m.value.begin] == '"') {
      model = anthropic_body.substr(m.value.begin + 1, m.value.end - m.value.begin - 2);
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

  std::vector<std::string_view> drop;
  if (options.drop_beta_fields) {
    drop = providers::fields_without_beta(options.forwarded_betas);
  }
  result.body = rewrite_members(anthropic_body, model_json, max_tokens, drop);
  return result;
}

}  // namespace ccproxy::convert
