#include "worker/request_log.h"

#include <random>

#include "common/secret.h"
#include "common/text.h"

namespace ccproxy::worker {
namespace {

std::mt19937_64& rng() {
  static std::mt19937_64 engine{std::random_device{}()};
  return engine;
}

std::string random_chars(std::string_view alphabet, int n) {
  std::uniform_int_distribution<std::size_t> pick(0, alphabet.size() - 1);
  std::string out;
  out.reserve(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    out += alphabet[pick(rng())];
  }
  return out;
}

}  // namespace

std::string redact_secrets(std::string_view text, const std::vector<std::string_view>& secrets) {
  std::string out(text);
  for (std::string_view secret : secrets) {
    if (secret.empty()) {
      continue;
    }
    std::string hint = redact_secret(secret);
    std::size_t pos = 0;
    while ((pos = out.find(secret, pos)) != std::string::npos) {
      out.replace(pos, secret.size(), hint);
      pos += hint.size();
    }
  }
  return out;
}

std::string loggable_header(std::string_view name, std::string_view value) {
  std::string out(name);
  out += ": ";
  if (ascii_iequals(name, "x-api-key") || ascii_iequals(name, "cookie")) {
    out += redact_secret(value);
  } else if (ascii_iequals(name, "authorization") || ascii_iequals(name, "proxy-authorization")) {
    auto space = value.find(' ');
    if (space != std::string_view::npos) {
      out += std::string(value.substr(0, space + 1)) + redact_secret(value.substr(space + 1));
    } else {
      out += redact_secret(value);
    }
  } else {
    out += value;
  }
  return out;
}

std::string new_request_id() {
  return "req_" + random_chars("0123456789abcdef", 24);
}

std::string new_message_id() {
  return "msg_" +
         random_chars("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", 24);
}

}  // namespace ccproxy::worker
