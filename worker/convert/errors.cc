// Anthropic error bodies and the mapping of upstream HTTP errors onto them.

#include <algorithm>
#include <cctype>
#include <string>
#include <string_view>

#include "worker/convert/api_error.h"
#include "worker/convert/json_access.h"
#include "worker/convert/json_writer.h"

namespace ccproxy::convert {
namespace {

constexpr size_t kMaxMessageBytes = 2000;
constexpr size_t kMaxExcerptBytes = 300;

bool contains_ci(std::string_view haystack, std::string_view needle) {
  return std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end(),
                     [](char a, char b) {
                       return std::tolower(static_cast<unsigned char>(a)) ==
                              std::tolower(static_cast<unsigned char>(b));
                     }) != haystack.end();
}

bool is_anthropic_type(std::string_view t) {
  return t == "invalid_request_error" || t == "authentication_error" || t == "permission_error" ||
         t == "not_found_error" || t == "request_too_large" || t == "rate_limit_error" ||
         t == "api_error" || t == "overloaded_error" || t == "billing_error" ||
         t == "timeout_error";
}

// Cuts at a UTF-8 character boundary.
std::string truncate(std::string_view s, size_t max) {
  if (s.size() <= max) {
    return std::string(s);
  }
  size_t cut = max;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) {
    --cut;
  }
  std::string out(s.substr(0, cut));
  out.append("...");
  return out;
}

// A short one-line excerpt of a non-JSON body: tags dropped, whitespace collapsed.
std::string excerpt(std::string_view body) {
  std::string out;
  bool in_tag = false;
  bool space = false;
  for (char c : body.substr(0, 64 * 1024)) {
    if (c == '<') {
      in_tag = true;
      continue;
    }
    if (in_tag) {
      if (c == '>') {
        in_tag = false;
        space = true;
      }
      continue;
    }
    if (std::isspace(static_cast<unsigned char>(c))) {
      space = true;
      continue;
    }
    if (space && !out.empty()) {
      out.push_back(' ');
    }
    space = false;
    out.push_back(c);
    if (out.size() > kMaxExcerptBytes + 8) {
      break;
    }
  }
  return sanitize_utf8(truncate(out, kMaxExcerptBytes));
}

std::string type_for_status(int status, std::string_view body) {
  switch (status) {
    case 400:
    case 422:
      return "invalid_request_error";
    case 401:
      return "authentication_error";
    case 402:
      return "billing_error";
    case 403:
      return "permission_error";
    case 404:
      return "not_found_error";
    case 408:
    case 504:
      return "api_error";
    case 413:
      return "request_too_large";
    case 429:
      return "rate_limit_error";
    case 529:
      return "overloaded_error";
    case 503:
      return contains_ci(body, "overload") ? "overloaded_error" : "api_error";
    default:
      return status >= 500 ? "api_error" : "invalid_request_error";
  }
}

}  // namespace

std::string error_body(const ApiError& error) {
  std::string out;
  out.reserve(64 + error.message.size());
  out.append("{\"type\":\"error\",\"error\":{\"type\":");
  append_json_string(out, error.type);
  out.append(",\"message\":");
  append_json_string(out, error.message);
  out.append("}}");
  return out;
}

std::string error_event(const ApiError& error) {
  std::string out = "event: error\ndata: ";
  out.append(error_body(error));
  out.append("\n\n");
  return out;
}

ApiError upstream_error(int status, std::string_view body) {
  ApiError error;
  error.status = (status >= 400 && status <= 599) ? status : 502;
  error.type = type_for_status(error.status, body);

  std::string message;
  std::string_view trimmed = body;
  while (!trimmed.empty() && std::isspace(static_cast<unsigned char>(trimmed.front()))) {
    trimmed.remove_prefix(1);
  }
  if (!trimmed.empty() && (trimmed.front() == '{' || trimmed.front() == '[')) {
    simdjson::dom::parser parser;
    std::string scratch;
    detail::element root;
    if (detail::parse_lenient(parser, trimmed, scratch, root) == simdjson::SUCCESS) {
      detail::element err;
      if (root.type() == detail::element_type::ARRAY) {
        // Some gateways wrap the error object in a one-element array.
        for (detail::element first : simdjson::dom::array(root)) {
          root = first;
          break;
        }
      }
      std::string_view text;
      if (detail::get_field(root, "error", err)) {
        if (err.get(text) == simdjson::SUCCESS) {
          message.assign(text);
        } else if (detail::get_string(err, "message", text)) {
          message.assign(text);
          std::string_view type;
          if (detail::get_string(err, "type", type) && is_anthropic_type(type) &&
              type != "invalid_request_error") {
            error.type.assign(type);
          }
        }
      }
      if (message.empty() && detail::get_string(root, "message", text)) {
        message.assign(text);
      }
      if (message.empty() && detail::get_string(root, "detail", text)) {
        message.assign(text);
      }
    }
  }
  if (message.empty()) {
    message = excerpt(body);
  }
  if (message.empty()) {
    message = "upstream returned HTTP " + std::to_string(status);
  } else {
    message = truncate(message, kMaxMessageBytes);
  }
  if (error.status == 503 && contains_ci(message, "overload")) {
    error.type = "overloaded_error";
  }
  error.message = std::move(message);
  return error;
}

}  // namespace ccproxy::convert
