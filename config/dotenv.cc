#include "config/dotenv.h"

namespace ccproxy::config {
namespace {

bool is_name_start(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}
bool is_name_char(char c) {
  return is_name_start(c) || (c >= '0' && c <= '9');
}
bool is_blank(char c) {
  return c == ' ' || c == '\t' || c == '\r';
}

// A cursor over the whole text, so quoted values may span lines.
class Scanner {
 public:
  explicit Scanner(std::string_view text) : text_(text) {}

  bool done() const { return pos_ >= text_.size(); }
  char peek() const { return done() ? '\0' : text_[pos_]; }
  char take() {
    char c = text_[pos_++];
    if (c == '\n') {
      ++line_;
    }
    return c;
  }
  int line() const { return line_; }
  void skip_blanks() {
    while (!done() && is_blank(peek())) {
      take();
    }
  }
  void skip_line() {
    while (!done() && peek() != '\n') {
      take();
    }
    if (!done()) {
      take();
    }
  }
  bool starts_with(std::string_view s) const { return text_.substr(pos_).starts_with(s); }
  void advance(std::size_t n) {
    for (std::size_t i = 0; i < n && !done(); ++i) {
      take();
    }
  }

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
  int line_ = 1;
};

// After a quoted value only blanks and a comment may follow on that line.
bool rest_is_comment(Scanner& s) {
  s.skip_blanks();
  if (s.done() || s.peek() == '\n') {
    s.skip_line();
    return true;
  }
  if (s.peek() == '#') {
    s.skip_line();
    return true;
  }
  return false;
}

// The NAME of a NAME=VALUE line, after an optional `export `; empty when there is none.
std::string read_name(Scanner& s) {
  if (s.starts_with("export ") || s.starts_with("export\t")) {
    s.advance(7);
    s.skip_blanks();
  }
  std::string name;
  if (is_name_start(s.peek())) {
    while (!s.done() && is_name_char(s.peek())) {
      name.push_back(s.take());
    }
  }
  return name;
}

// The character a backslash escape in double quotes stands for; unknown escapes stay as written.
void append_escape(char e, std::string& value) {
  switch (e) {
    case 'n':
      value.push_back('\n');
      break;
    case 't':
      value.push_back('\t');
      break;
    case 'r':
      value.push_back('\r');
      break;
    case '"':
    case '\\':
    case '$':
    case '\'':
      value.push_back(e);
      break;
    default:
      value.push_back('\\');
      value.push_back(e);
  }
}

// A quoted value after its opening `quote`, up to the closing one (it may span lines). Only
// double quotes know escapes. False when the quote is never closed.
bool read_quoted(Scanner& s, char quote, std::string& value) {
  while (!s.done()) {
    char c = s.take();
    if (c == quote) {
      return true;
    }
    if (quote == '"' && c == '\\' && !s.done()) {
      append_escape(s.take(), value);
      continue;
    }
    value.push_back(c);
  }
  return false;
}

// An unquoted value: up to the end of the line or a '#' that follows whitespace, trailing
// blanks removed. `blank_after_equals`: whitespace came between '=' and the value.
std::string read_unquoted(Scanner& s, bool blank_after_equals) {
  std::string value;
  while (!s.done() && s.peek() != '\n') {
    char c = s.take();
    if (c == '#' && (value.empty() ? blank_after_equals : is_blank(value.back()))) {
      s.skip_line();
      break;
    }
    value.push_back(c);
  }
  while (!value.empty() && is_blank(value.back())) {
    value.pop_back();
  }
  if (!s.done() && s.peek() == '\n') {
    s.take();
  }
  return value;
}

}  // namespace

DotenvFile parse_dotenv(std::string_view text) {
  DotenvFile out;
  Scanner s(text);
  // A UTF-8 byte order mark from Windows editors is not part of the first name.
  if (s.starts_with("\xEF\xBB\xBF")) {
    s.advance(3);
  }
  while (!s.done()) {
    s.skip_blanks();
    if (s.done()) {
      break;
    }
    if (s.peek() == '\n' || s.peek() == '#') {
      s.skip_line();
      continue;
    }
    const int line = s.line();
    std::string name = read_name(s);
    s.skip_blanks();
    if (name.empty() || s.peek() != '=') {
      // Not quoting the line: a key pasted on a line of its own is still a secret.
      out.errors.push_back({line, "expected NAME=VALUE"});
      s.skip_line();
      continue;
    }
    s.take();  // '='
    const bool blank_after_equals = is_blank(s.peek());
    s.skip_blanks();
    std::string value;
    const char quote = s.peek();
    if (quote == '"' || quote == '\'') {
      s.take();
      if (!read_quoted(s, quote, value)) {
        out.errors.push_back({line, name + ": missing closing quote"});
        break;
      }
      if (!rest_is_comment(s)) {
        out.errors.push_back({line, name + ": unexpected text after the closing quote"});
        s.skip_line();
        continue;
      }
    } else {
      value = read_unquoted(s, blank_after_equals);
    }
    out.entries.push_back({std::move(name), std::move(value), line});
  }
  return out;
}

}  // namespace ccproxy::config
