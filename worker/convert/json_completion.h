#pragma once
// JsonCompletion: whether streamed JSON text has completed one top-level object or array.

#include <cstddef>
#include <string_view>

namespace ccproxy::convert::detail {

class JsonCompletion {
 public:
  /// Consumes `s` up to the byte that completes the value; returns how many bytes that is
  /// (all of `s` while the value is still open, 0 once it is complete).
  size_t feed(std::string_view s) {
    size_t i = 0;
    for (; i < s.size() && !complete_; ++i) {
      const char c = s[i];
      if (in_string_) {
        if (escape_) {
          escape_ = false;
        } else if (c == '\\') {
          escape_ = true;
        } else if (c == '"') {
          in_string_ = false;
        }
        continue;
      }
      if (c == '"') {
        in_string_ = true;
      } else if (c == '{' || c == '[') {
        ++depth_;
      } else if ((c == '}' || c == ']') && depth_ > 0) {
        complete_ = --depth_ == 0;
      }
    }
    return i;
  }
  bool complete() const { return complete_; }

 private:
  int depth_ = 0;
  bool in_string_ = false;
  bool escape_ = false;
  bool complete_ = false;
};

}  // namespace ccproxy::convert::detail
