#include "config/interpolate.h"

namespace ccproxy::config {

bool is_variable_name(std::string_view name) {
  if (name.empty()) {
    return false;
  }
  for (std::size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool alpha = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
    bool digit = c >= '0' && c <= '9';
    if (!(alpha || (digit && i > 0))) {
      return false;
    }
  }
  return true;
}

Result<std::string> interpolate(std::string_view text, const Environment& env) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c != '$' || i + 1 >= text.size()) {
      out.push_back(c);
      continue;
    }
    char next = text[i + 1];
    if (next == '$') {
      out.push_back('$');
      ++i;
      continue;
    }
    if (next != '{') {
      out.push_back(c);
      continue;
    }
    auto close = text.find('}', i + 2);
    if (close == std::string_view::npos) {
      return fail(std::string("unterminated ${ (write $$ for a literal $)"));
    }
    std::string_view inner = text.substr(i + 2, close - i - 2);
    std::string_view name = inner;
    std::string_view fallback;
    bool has_fallback = false;
    if (auto sep = inner.find(":-"); sep != std::string_view::npos) {
      name = inner.substr(0, sep);
      fallback = inner.substr(sep + 2);
      has_fallback = true;
    }
    if (!is_variable_name(name)) {
      return fail("bad variable name in ${" + std::string(inner.substr(0, 40)) +
                  "} (letters, digits and _; write $$ for a literal $)");
    }
    const std::string* value = env.get(std::string(name));
    if (value != nullptr && !value->empty()) {
      out.append(*value);
    } else if (has_fallback) {
      out.append(fallback);
    } else if (value == nullptr) {
      return fail("variable " + std::string(name) + " is not set (environment or .env)");
    } else {
      return fail("variable " + std::string(name) + " is empty");
    }
    i = close;
  }
  return out;
}

std::string escape_interpolation(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '$') {
      out.push_back('$');
    }
    out.push_back(c);
  }
  return out;
}

}  // namespace ccproxy::config
