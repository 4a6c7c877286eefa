#pragma once
// Small helpers over simdjson's DOM in error-code mode, shared by the converters: lenient
// parsing (invalid UTF-8 and lone surrogate escapes repaired rather than rejected), field
// lookup that treats JSON null as absent, and type names for error messages.

#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace ccproxy::convert::detail {

using simdjson::dom::element;
using simdjson::dom::element_type;

/// Parses `text`; on a UTF-8 or string error retries once with invalid UTF-8 replaced by
/// U+FFFD and lone surrogate escapes replaced by \ufffd. `scratch` holds the repaired copy.
simdjson::error_code parse_lenient(simdjson::dom::parser& parser, std::string_view text,
                                   std::string& scratch, element& root);

/// The parser reused by one thread for request-sized documents.
simdjson::dom::parser& thread_parser();

/// What a reused parser or buffer may keep between documents. A parser grows to the largest
/// document it has read and never shrinks on its own; past this bound its memory is given back
/// at the end of the conversion that grew it (the next document allocates again).
inline constexpr std::size_t kIdleCapacity = std::size_t{1} << 20;

/// Gives back the memory of a reused simdjson parser (DOM or On Demand) that holds more than
/// kIdleCapacity. No element of its last document may be used afterwards.
template <typename Parser>
void release_if_oversized(Parser& parser) {
  if (parser.capacity() > kIdleCapacity) {
    parser = Parser{};
  }
}

/// The same for a reused buffer.
inline void release_if_oversized(std::string& buffer) {
  if (buffer.capacity() > kIdleCapacity) {
    std::string().swap(buffer);
  }
}

/// Declared before a document is parsed with thread_parser(): on the way out (a return value
/// already built), the thread's parser gives back what a large document made it take.
class ThreadParserTrim {
 public:
  ThreadParserTrim() = default;
  ThreadParserTrim(const ThreadParserTrim&) = delete;
  ThreadParserTrim& operator=(const ThreadParserTrim&) = delete;
  ~ThreadParserTrim() { release_if_oversized(thread_parser()); }
};

/// JSON's insignificant whitespace: space, tab, line feed, carriage return.
inline bool is_json_space(char c) {
  return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

/// `s` without its leading JSON whitespace.
inline std::string_view skip_json_space(std::string_view s) {
  while (!s.empty() && is_json_space(s.front())) {
    s.remove_prefix(1);
  }
  return s;
}

/// Looks `key` up in `obj` (must be an object); false when missing or JSON null.
inline bool get_field(element obj, std::string_view key, element& out) {
  simdjson::dom::object o;
  if (obj.get(o) != simdjson::SUCCESS) {
    return false;
  }
  auto r = o.at_key(key);
  if (r.error() != simdjson::SUCCESS) {
    return false;
  }
  out = r.value_unsafe();
  return out.type() != element_type::NULL_VALUE;
}

/// Several keys looked up in one pass over `obj`'s fields (for objects read on every stream
/// chunk): found[i] and out[i] answer as get_field(obj, keys[i], out[i]) would, i.e. the
/// first field of that name counts, and JSON null is absent. `keys` must not be empty strings.
template <std::size_t N>
inline void get_fields(element obj, const std::string_view (&keys)[N], element (&out)[N],
                       bool (&found)[N]) {
  bool seen[N] = {};
  for (std::size_t i = 0; i < N; ++i) {
    found[i] = false;
  }
  simdjson::dom::object o;
  if (obj.get(o) != simdjson::SUCCESS) {
    return;
  }
  std::size_t left = N;
  for (auto field = o.begin(), end = o.end(); field != end; ++field) {
    const std::string_view key = field.key();
    if (key.empty()) {
      continue;
    }
    const char first = key.front();
    const char last = key.back();
    for (std::size_t i = 0; i < N; ++i) {
      // Length, first and last byte reject nearly every other key without a loop.
      if (seen[i] || key.size() != keys[i].size() || first != keys[i].front() ||
          last != keys[i].back() || std::memcmp(key.data(), keys[i].data(), key.size()) != 0) {
        continue;
      }
      seen[i] = true;
      out[i] = field.value();
      found[i] = out[i].type() != element_type::NULL_VALUE;
      if (--left == 0) {
        return;
      }
      break;
    }
  }
}

inline bool get_string(element obj, std::string_view key, std::string_view& out) {
  element e;
  return get_field(obj, key, e) && e.get(out) == simdjson::SUCCESS;
}

inline bool is_string(element e) {
  return e.type() == element_type::STRING;
}
inline bool is_object(element e) {
  return e.type() == element_type::OBJECT;
}
inline bool is_array(element e) {
  return e.type() == element_type::ARRAY;
}
inline bool is_number(element e) {
  const auto t = e.type();
  return t == element_type::INT64 || t == element_type::UINT64 || t == element_type::DOUBLE;
}

/// Integer value of a number (doubles truncated, clamped to int64); 0 when not a number.
inline int64_t as_int(element e) {
  switch (e.type()) {
    case element_type::INT64:
      return int64_t(e);
    case element_type::UINT64: {
      const uint64_t v = uint64_t(e);
      return v > uint64_t(INT64_MAX) ? INT64_MAX : int64_t(v);
    }
    case element_type::DOUBLE: {
      const double d = double(e);
      if (!(d == d)) {
        return 0;
      }
      if (d >= 9.2e18) {
        return INT64_MAX;
      }
      if (d <= -9.2e18) {
        return INT64_MIN;
      }
      return int64_t(d);
    }
    default:
      return 0;
  }
}

/// "a string", "an object", ... for error messages.
const char* type_name(element_type t);

}  // namespace ccproxy::convert::detail
