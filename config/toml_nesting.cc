#include "config/toml_nesting.h"

#include <cstddef>
#include <vector>

namespace ccproxy::config {
namespace {

class NestingScan {
 public:
  NestingScan(std::string_view text, int limit) : text_(text), limit_(limit) {}

  // Line by line at the top level: blank lines, comments, [table] headers, key = value.
  std::optional<int> run() {
    int table_depth = 0;  // the levels of the last [table] or [[array]] header
    while (!at_end()) {
      skip_blanks();
      if (at_end()) {
        break;
      }
      char c = text_[pos_];
      if (c == '\n') {
        next_line();
      } else if (c == '#') {
        skip_comment();
      } else if (c == '[') {
        bool array = at(1) == '[';
        pos_ += array ? 2 : 1;
        table_depth = key_parts() + (array ? 1 : 0);
        if (table_depth > limit_) {
          return line_;
        }
        skip_comment();  // the closing bracket(s) and whatever follows them on the line
      } else if (auto deep = key_value(table_depth)) {
        return deep;
      }
    }
    return std::nullopt;
  }

 private:
  struct Container {
    char open;  // '[' or '{'
    int depth;  // the level of the array or inline table itself
  };

  bool at_end() const { return pos_ >= text_.size(); }
  char at(std::size_t ahead) const {
    return pos_ + ahead < text_.size() ? text_[pos_ + ahead] : '\0';
  }
  void next_line() {
    ++line_;
    ++pos_;
  }
  void skip_blanks() {
    while (!at_end() && (text_[pos_] == ' ' || text_[pos_] == '\t')) {
      ++pos_;
    }
  }
  // Up to (not over) the end of the line.
  void skip_comment() {
    while (!at_end() && text_[pos_] != '\n') {
      ++pos_;
    }
  }

  // At a quote: past the string, single- or multi-line, basic or literal. An unterminated
  // single-line string stops at the end of its line.
  void skip_string() {
    const char quote = text_[pos_];
    const bool escapes = quote == '"';
    if (at(1) != quote || at(2) != quote) {
      for (++pos_; !at_end() && text_[pos_] != '\n'; ++pos_) {
        if (escapes && text_[pos_] == '\\') {
          ++pos_;
        } else if (text_[pos_] == quote) {
          ++pos_;
          return;
        }
      }
      return;
    }
    for (pos_ += 3; !at_end(); ++pos_) {
      char c = text_[pos_];
      if (escapes && c == '\\') {
        if (at(1) == '\n') {
          ++line_;
        }
        ++pos_;
      } else if (c == '\n') {
        ++line_;
      } else if (c == quote && at(1) == quote && at(2) == quote) {
        pos_ += 3;
        for (int extra = 0; extra < 2 && !at_end() && text_[pos_] == quote; ++extra) {
          ++pos_;  // """a""""" ends with quotes that belong to the content
        }
        return;
      }
    }
  }

  // A (dotted) key up to '=', ']' or anything else that cannot be in one; how many parts.
  int key_parts() {
    int parts = 1;
    while (!at_end()) {
      char c = text_[pos_];
      if (c == '"' || c == '\'') {
        skip_string();
        continue;
      }
      if (c == '=' || c == ']' || c == '}' || c == ',' || c == '[' || c == '{' || c == '#' ||
          c == '\n') {
        break;
      }
      parts += c == '.' ? 1 : 0;
      ++pos_;
    }
    return parts;
  }

  // The level of a key read at `parent` (an inline table's entries), past its '='.
  int entry(int parent) {
    int depth = parent + key_parts();
    if (at(0) == '=') {
      ++pos_;
    }
    return depth;
  }

  // `key = value` under a table `table_depth` levels deep: through the end of the value, which
  // may span lines inside arrays and multi-line strings.
  std::optional<int> key_value(int table_depth) {
    int depth = entry(table_depth);  // of the value being read
    std::vector<Container> open;
    while (depth <= limit_ && !at_end()) {
      char c = text_[pos_];
      if (c == '"' || c == '\'') {
        skip_string();
      } else if (c == '#') {
        skip_comment();
      } else if (c == '\n') {
        if (open.empty()) {
          return std::nullopt;
        }
        next_line();
      } else if (c == '[' || c == '{') {
        ++pos_;
        open.push_back({c, depth});
        skip_blanks();
        if (c == '[') {
          depth += 1;
        } else if (at(0) != '}') {
          depth = entry(depth);
        }
      } else if (c == ']' || c == '}') {
        ++pos_;
        if (!open.empty()) {
          depth = open.back().depth;
          open.pop_back();
        }
      } else if (c == ',' && !open.empty()) {
        ++pos_;
        const Container& in = open.back();
        depth = in.open == '[' ? in.depth + 1 : entry(in.depth);
      } else {
        ++pos_;
      }
    }
    return depth > limit_ ? std::optional<int>(line_) : std::nullopt;
  }

  std::string_view text_;
  int limit_;
  std::size_t pos_ = 0;
  int line_ = 1;
};

}  // namespace

std::optional<int> find_excess_nesting(std::string_view text, int limit) {
  return NestingScan(text, limit).run();
}

}  // namespace ccproxy::config
