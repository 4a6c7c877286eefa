#pragma once
// Path: the location of a value for error messages ("messages.3.content.1.source.data"), and
// the "<where>: expected <what>, got <type>" messages built on it.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

#include "worker/convert/json_access.h"

namespace ccproxy::convert::detail {

// Kept as a few segments on the stack and only turned into a string when an error is reported.
class Path {
 public:
  Path(const char* root) { add(root, kNoIndex); }  // NOLINT: implicit from a literal
  Path field(const char* key) const {
    Path p = *this;
    p.add(key, kNoIndex);
    return p;
  }
  Path item(size_t index) const {
    Path p = *this;
    p.add(nullptr, index);
    return p;
  }
  std::string str() const {
    std::string out;
    for (uint8_t i = 0; i < n_; ++i) {
      if (i > 0) {
        out.push_back('.');
      }
      if (segments_[i].key != nullptr) {
        out.append(segments_[i].key);
      } else {
        out.append(std::to_string(segments_[i].index));
      }
    }
    return out;
  }

 private:
  static constexpr size_t kNoIndex = size_t(-1);
  struct Segment {
    const char* key;
    size_t index;
  };
  void add(const char* key, size_t index) {
    if (n_ < segments_.size()) {
      segments_[n_++] = Segment{key, index};
    }
  }
  std::array<Segment, 8> segments_{};
  uint8_t n_ = 0;
};

inline std::string operator+(const Path& path, const char* suffix) {
  return path.str() + suffix;
}

inline Path at(const Path& path, size_t index) {
  return path.item(index);
}

inline std::string expected(const std::string& where, const char* what, element e) {
  return where + ": expected " + what + ", got " + type_name(e.type());
}
inline std::string expected(const Path& path, const char* what, element e) {
  return expected(path.str(), what, e);
}
inline std::string expected(const char* where, const char* what, element e) {
  return expected(std::string(where), what, e);
}

}  // namespace ccproxy::convert::detail
