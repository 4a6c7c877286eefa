#pragma once
// JoinedText: pieces of one JSON string value, separated by "\n\n", empty pieces skipped.

#include <string>
#include <string_view>

#include "worker/convert/json_writer.h"

namespace ccproxy::convert::detail {

class JoinedText {
 public:
  explicit JoinedText(std::string& out) : out_(out) {}
  void add(std::string_view text) {
    if (text.empty()) {
      return;
    }
    if (any_) {
      out_.append(kSeparator);
    }
    append_escaped(out_, text);
    any_ = true;
  }
  bool any() const { return any_; }

 private:
  static constexpr std::string_view kSeparator = "\\n\\n";  // already escaped "\n\n"
  std::string& out_;
  bool any_ = false;
};

}  // namespace ccproxy::convert::detail
