#include "config/legacy_env.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <map>

#include "common/secret.h"
#include "config/dotenv.h"
#include "config/interpolate.h"
#include "config/validate.h"

namespace ccproxy::config {
namespace {

constexpr std::string_view kHeaderPrefix = "CUSTOM_HEADER_";

// What the legacy proxy used when a variable was absent.
constexpr std::string_view kLegacyBaseUrl = "https://api.openai.com/v1";
constexpr std::string_view kLegacyBigModel = "gpt-4o";
constexpr std::string_view kLegacySmallModel = "gpt-4o-mini";
constexpr int kLegacyPort = 8082;

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') {
      c = static_cast<char>(c - 'a' + 'A');
    }
  }
  return out;
}

std::optional<int64_t> parse_int(std::string_view s) {
  int64_t n = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (ec != std::errc() || end != s.data() + s.size()) {
    return std::nullopt;
  }
  return n;
}

std::optional<double> parse_seconds(std::string_view s) {
  if (s.empty()) {
    return std::nullopt;
  }
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || c == '.')) {
      return std::nullopt;
    }
  }
  std::string copy(s);
  char* end = nullptr;
  double v = std::strtod(copy.c_str(), &end);
  if (end != copy.c_str() + copy.size() || !std::isfinite(v)) {
    return std::nullopt;
  }
  return v;
}

bool has_control_chars_or_space(std::string_view s) {
  for (char c : s) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) {
      return true;
    }
  }
  return false;
}

std::string toml_number(double v) {
  if (v == std::floor(v) && v < 1e12) {
    return std::to_string(static_cast<int64_t>(v));
  }
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.3f", v);
  std::string out = buf;
  while (out.back() == '0') {
    out.pop_back();
  }
  if (out.back() == '.') {
    out.push_back('0');
  }
  return out;
}

// A variable name for the provider's key: "https://router.requesty.ai/v1" -> REQUESTY_API_KEY.
std::string key_variable_for(std::string_view url) {
  auto scheme_end = url.find("://");
  std::string_view host = scheme_end == std::string_view::npos ? url : url.substr(scheme_end + 3);
  host = host.substr(0, host.find_first_of("/:?#"));
  if (auto at = host.find('@'); at != std::string_view::npos) {
    host = host.substr(at + 1);
  }
  std::vector<std::string_view> labels;
  while (!host.empty()) {
    auto dot = host.find('.');
    labels.push_back(host.substr(0, dot));
    host = dot == std::string_view::npos ? std::string_view() : host.substr(dot + 1);
  }
  std::string_view name = labels.size() >= 2 ? labels[labels.size() - 2] : std::string_view();
  bool alpha = !name.empty();
  for (char c : name) {
    alpha = alpha && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-');
  }
  std::string out = alpha ? upper(name) : "UPSTREAM";
  for (char& c : out) {
    if (c == '-') {
      c = '_';
    }
  }
  return out + "_API_KEY";
}

}  // namespace

std::string toml_string(std::string_view value, bool escape_dollar) {
  std::string out = "\"";
  for (char c : value) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      case '$':
        out += escape_dollar ? "$$" : "$";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
          out += buf;
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('"');
  return out;
}

std::string legacy_header_name(std::string_view suffix) {
  std::string out;
  bool word_start = true;
  for (char c : suffix) {
    if (c == '_' || c == '-') {
      out.push_back('-');
      word_start = true;
      continue;
    }
    if (word_start && c >= 'a' && c <= 'z') {
      c = static_cast<char>(c - 'a' + 'A');
    } else if (!word_start && c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
    out.push_back(c);
    word_start = false;
  }
  return out;
}

std::optional<std::string> profile_name_for_legacy_file(std::string_view name) {
  std::string_view rest = name;
  if (rest.starts_with(".env") && rest.size() > 5 &&
      (rest[4] == '-' || rest[4] == '.' || rest[4] == '_')) {
    rest.remove_prefix(5);
  } else if (rest.ends_with(".env") && rest.size() > 4) {
    rest.remove_suffix(4);
  } else if (rest == ".env") {
    return std::nullopt;
  }
  if (rest.starts_with("requesty-") && rest.size() > 9) {
    rest.remove_prefix(9);
  }
  if (rest.empty()) {
    return std::nullopt;
  }
  return std::string(rest);
}

LegacyImport convert_legacy_env(std::string_view text, std::string_view source_name,
                                const Environment* known) {
  LegacyImport out;
  DotenvFile parsed = parse_dotenv(text);
  for (const auto& e : parsed.errors) {
    out.errors.push_back("line " + std::to_string(e.line) + ": " + e.message);
  }
  std::map<std::string, DotenvEntry> vars;
  std::vector<std::string> order;  // CUSTOM_HEADER_* in file order
  for (auto& e : parsed.entries) {
    if (vars.count(e.name) != 0) {
      out.warnings.push_back("line " + std::to_string(e.line) + ": " + e.name +
                             " is set again; the last value wins");
    } else {
      order.push_back(e.name);
    }
    vars[e.name] = e;
  }
  auto get = [&](std::string_view name) -> const DotenvEntry* {
    auto it = vars.find(std::string(name));
    return it == vars.end() ? nullptr : &it->second;
  };
  auto where = [](const DotenvEntry& e) { return "line " + std::to_string(e.line) + ": "; };

  // A key: as a ${VAR} reference when a known variable holds the same value, else in clear.
  auto secret = [&](const DotenvEntry& e, std::string_view key,
                    const std::string& suggested) -> std::string {
    if (known != nullptr) {
      for (const auto& [name, value] : known->all()) {
        if (name != "OPENAI_API_KEY" && name != "ANTHROPIC_API_KEY" && !value.empty() &&
            secrets_equal(value, e.value)) {
          out.warnings.push_back(where(e) + e.name + ": the key equals ${" + name +
                                 "}, so the profile refers to that variable");
          return "\"${" + name + "}\"";
        }
      }
    }
    out.has_literal_secret = true;
    out.warnings.push_back(
        where(e) + e.name + ": copied a literal key (" + redact_secret(e.value) + ") into " +
        std::string(key) + "; better keep it out of the profile: put " + suggested +
        "=... in the home's .env and write " + std::string(key) + " = \"${" + suggested + "}\"");
    return toml_string(e.value);
  };

  std::string top;
  std::string upstream;
  std::string headers;
  std::string models;
  std::string timeouts;
  std::string retry;
  std::string limits;

  // port
  int64_t port = kLegacyPort;
  if (const auto* e = get("PORT")) {
    auto n = parse_int(e->value);
    if (!n || *n < 1 || *n > 65535) {
      out.errors.push_back(where(*e) + "PORT: '" + e->value.substr(0, 20) +
                           "' is not a port (1 to 65535)");
    } else {
      port = *n;
    }
  } else {
    out.warnings.push_back("PORT is not set; using the legacy default " +
                           std::to_string(kLegacyPort));
  }
  top += "port = " + std::to_string(port) + "\n";

  // client key, then host (a non-loopback host needs the client key)
  std::string client_key_line;
  if (const auto* e = get("ANTHROPIC_API_KEY"); e != nullptr && !e->value.empty()) {
    client_key_line =
        "client_api_key = " + secret(*e, "client_api_key", "CCPROXY_CLIENT_KEY") + "\n";
  }
  if (const auto* e = get("HOST"); e != nullptr && !e->value.empty()) {
    if (auto err = check_listen_host(e->value)) {
      out.errors.push_back(where(*e) + "HOST: " + *err);
    } else if (!is_loopback_host(e->value) && client_key_line.empty()) {
      out.warnings.push_back(
          where(*e) + "HOST=" + e->value +
          " would let other machines spend the upstream key (no ANTHROPIC_API_KEY); the profile "
          "listens on 127.0.0.1 instead (set host and client_api_key to serve other machines)");
    } else if (e->value != "127.0.0.1") {
      top += "host = " + toml_string(e->value) + "\n";
    }
  }
  top += client_key_line;
  if (const auto* e = get("LOG_LEVEL"); e != nullptr && !e->value.empty()) {
    std::string level = upper(e->value);
    std::string mapped;
    if (level == "TRACE") {
      mapped = "trace";
    } else if (level == "DEBUG") {
      mapped = "debug";
    } else if (level == "INFO") {
      mapped = "info";
    } else if (level == "WARN" || level == "WARNING") {
      mapped = "warn";
    } else if (level == "ERROR" || level == "CRITICAL") {
      mapped = "error";
    }
    if (mapped.empty()) {
      out.warnings.push_back(where(*e) + "LOG_LEVEL '" + e->value.substr(0, 20) +
                             "' is not a known level; left at info");
    } else if (mapped != "info") {
      top += "log_level = \"" + mapped + "\"\n";
    }
  }

  // [upstream]
  std::string base_url(kLegacyBaseUrl);
  if (const auto* e = get("OPENAI_BASE_URL"); e != nullptr && !e->value.empty()) {
    if (auto err = check_base_url(e->value)) {
      out.errors.push_back(where(*e) + "OPENAI_BASE_URL: " + *err);
    } else {
      base_url = e->value;
    }
  } else {
    out.warnings.push_back("OPENAI_BASE_URL is not set; using the legacy default " +
                           std::string(kLegacyBaseUrl));
  }
  upstream += "base_url = " + toml_string(base_url) + "\n";
  if (const auto* e = get("OPENAI_API_KEY"); e != nullptr && !e->value.empty()) {
    if (has_control_chars_or_space(e->value)) {
      out.errors.push_back(where(*e) + "OPENAI_API_KEY: contains spaces or control characters");
    } else {
      upstream += "api_key = " + secret(*e, "upstream.api_key", key_variable_for(base_url)) + "\n";
    }
  } else {
    out.warnings.push_back("OPENAI_API_KEY is not set; the profile sends no upstream key");
  }
  upstream += "format = \"openai\"\n";

  for (const auto& name : order) {
    if (!name.starts_with(kHeaderPrefix)) {
      continue;
    }
    const DotenvEntry& e = vars[name];
    std::string header = legacy_header_name(std::string_view(name).substr(kHeaderPrefix.size()));
    if (auto err = check_header_name(header); err || header.empty()) {
      out.errors.push_back(where(e) + name + ": not a valid header name");
      continue;
    }
    if (is_reserved_header(header)) {
      out.warnings.push_back(where(e) + name + ": ccproxy sets " + header + " itself; not copied");
      continue;
    }
    if (auto err = check_header_value(e.value)) {
      out.errors.push_back(where(e) + name + ": " + *err);
      continue;
    }
    headers += toml_string(header, false) + " = " + toml_string(e.value) + "\n";
  }

  // [models]
  std::string big(kLegacyBigModel);
  if (const auto* e = get("BIG_MODEL"); e != nullptr && !e->value.empty()) {
    big = e->value;
  } else {
    out.warnings.push_back("BIG_MODEL is not set; using the legacy default " + big);
  }
  std::string middle = big;
  if (const auto* e = get("MIDDLE_MODEL"); e != nullptr && !e->value.empty()) {
    middle = e->value;
  }
  std::string small(kLegacySmallModel);
  if (const auto* e = get("SMALL_MODEL"); e != nullptr && !e->value.empty()) {
    small = e->value;
  } else {
    out.warnings.push_back("SMALL_MODEL is not set; using the legacy default " + small);
  }
  models += "big = " + toml_string(big) + "\nmiddle = " + toml_string(middle) +
            "\nsmall = " + toml_string(small) + "\n";

  // REQUEST_TIMEOUT was the legacy HTTP client's per-read timeout: the wait for the first
  // byte and for each next chunk, not a cap on the whole request.
  if (const auto* e = get("REQUEST_TIMEOUT"); e != nullptr && !e->value.empty()) {
    auto v = parse_seconds(e->value);
    if (!v || *v <= 0 || *v > 86400) {
      out.errors.push_back(where(*e) + "REQUEST_TIMEOUT: '" + e->value.substr(0, 20) +
                           "' is not a number of seconds (0 to 86400)");
    } else {
      timeouts += "first_byte_s = " + toml_number(*v) + "\nidle_s = " + toml_number(*v) + "\n";
    }
  }
  if (const auto* e = get("MAX_RETRIES"); e != nullptr && !e->value.empty()) {
    auto n = parse_int(e->value);
    if (!n || *n < 0 || *n > 10) {
      out.errors.push_back(where(*e) + "MAX_RETRIES: '" + e->value.substr(0, 20) +
                           "' is not a whole number from 0 to 10");
    } else {
      retry += "max_retries = " + std::to_string(*n) + "\n";
    }
  }
  for (std::string_view name : {"MAX_TOKENS_LIMIT", "MIN_TOKENS_LIMIT"}) {
    if (const auto* e = get(name); e != nullptr && !e->value.empty()) {
      auto n = parse_int(e->value);
      if (!n || *n < 0 || *n > 100'000'000) {
        out.errors.push_back(where(*e) + std::string(name) + ": '" + e->value.substr(0, 20) +
                             "' is not a whole number of tokens");
      } else {
        limits += std::string(name == "MAX_TOKENS_LIMIT" ? "max_tokens" : "min_tokens") + " = " +
                  std::to_string(*n) + "\n";
      }
    }
  }

  static constexpr std::string_view kKnown[] = {"OPENAI_API_KEY",
                                                "OPENAI_BASE_URL",
                                                "BIG_MODEL",
                                                "MIDDLE_MODEL",
                                                "SMALL_MODEL",
                                                "PORT",
                                                "HOST",
                                                "ANTHROPIC_API_KEY",
                                                "LOG_LEVEL",
                                                "MAX_TOKENS_LIMIT",
                                                "MIN_TOKENS_LIMIT",
                                                "REQUEST_TIMEOUT",
                                                "MAX_RETRIES"};
  for (const auto& name : order) {
    bool mapped = name.starts_with(kHeaderPrefix);
    for (auto k : kKnown) {
      mapped = mapped || name == k;
    }
    if (!mapped) {
      out.warnings.push_back(where(vars[name]) + name + " has no ccproxy equivalent; not copied");
    }
  }

  if (!out.errors.empty()) {
    return out;
  }
  std::string toml = "# Imported from " + std::string(source_name) +
                     " by `ccproxy import-env`. Keys: see README, \"Profile reference\".\n";
  toml += top;
  toml += "\n[upstream]\n" + upstream;
  if (!headers.empty()) {
    toml += "\n[upstream.headers]\n" + headers;
  }
  toml += "\n[models]  # opus -> big, sonnet -> middle, haiku -> small\n" + models;
  if (!timeouts.empty()) {
    toml += "\n[timeouts]  # from REQUEST_TIMEOUT (the legacy per-read timeout)\n" + timeouts;
  }
  if (!retry.empty()) {
    toml += "\n[retry]\n" + retry;
  }
  if (!limits.empty()) {
    toml += "\n[limits]\n" + limits;
  }
  out.toml = std::move(toml);
  return out;
}

}  // namespace ccproxy::config
