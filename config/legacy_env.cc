#include "config/legacy_env.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <map>
#include <utility>

#include "common/secret.h"
#include "common/text.h"
#include "config/dotenv.h"
#include "config/toml_text.h"
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

std::string where(const DotenvEntry& e) {
  return "line " + std::to_string(e.line) + ": ";
}

// LOG_LEVEL as the legacy proxy (Python logging) spelled it -> ccproxy's level; empty when
// it is not a known level.
std::string ccproxy_log_level(std::string_view legacy) {
  static constexpr std::pair<std::string_view, std::string_view> kLevels[] = {
      {"TRACE", "trace"},  {"DEBUG", "debug"}, {"INFO", "info"},     {"WARN", "warn"},
      {"WARNING", "warn"}, {"ERROR", "error"}, {"CRITICAL", "error"}};
  for (const auto& [name, level] : kLevels) {
    if (ascii_iequals(legacy, name)) {
      return std::string(level);
    }
  }
  return "";
}

// The variables ccproxy maps besides CUSTOM_HEADER_*.
constexpr std::string_view kMappedVariables[] = {"OPENAI_API_KEY",
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

// The profile's parts, each the body of one TOML table ("top": the keys before any table).
struct ProfileText {
  std::string top;
  std::string upstream;
  std::string headers;
  std::string models;
  std::string timeouts;
  std::string retry;
  std::string limits;
};

// One legacy file being converted: its variables, and the warnings and errors so far.
class LegacyConverter {
 public:
  LegacyConverter(std::string_view text, const Environment* known, ProviderNamer provider_for)
      : known_(known), provider_for_(provider_for) {
    read_variables(text);
  }

  LegacyImport convert(std::string_view source_name) && {
    ProfileText text;
    text.top = port_line();
    text.top += listen_lines();
    text.top += log_level_line();
    text.upstream = upstream_lines();
    text.headers = header_lines();
    text.models = model_lines();
    text.timeouts = timeout_lines();
    text.retry = retry_lines();
    text.limits = limit_lines();
    warn_unmapped();
    if (out_.errors.empty()) {
      out_.toml = assemble(text, source_name);
    }
    return std::move(out_);
  }

 private:
  // The file's entries by name (the last one wins, with a warning).
  void read_variables(std::string_view text) {
    DotenvFile parsed = parse_dotenv(text);
    for (const auto& e : parsed.errors) {
      out_.errors.push_back("line " + std::to_string(e.line) + ": " + e.message);
    }
    for (auto& e : parsed.entries) {
      if (vars_.count(e.name) != 0) {
        out_.warnings.push_back(where(e) + e.name + " is set again; the last value wins");
      } else {
        order_.push_back(e.name);
      }
      vars_[e.name] = e;
    }
  }

  const DotenvEntry* get(std::string_view name) const {
    auto it = vars_.find(std::string(name));
    return it == vars_.end() ? nullptr : &it->second;
  }

  // Set and not empty.
  const DotenvEntry* given(std::string_view name) const {
    const DotenvEntry* e = get(name);
    return e != nullptr && !e->value.empty() ? e : nullptr;
  }

  // A key: as a ${VAR} reference when a known variable holds the same value, else in clear.
  std::string secret(const DotenvEntry& e, std::string_view key, const std::string& suggested) {
    if (known_ != nullptr) {
      for (const auto& [name, value] : known_->all()) {
        if (name != "OPENAI_API_KEY" && name != "ANTHROPIC_API_KEY" && !value.empty() &&
            secrets_equal(value, e.value)) {
          out_.warnings.push_back(where(e) + e.name + ": the key equals ${" + name +
                                  "}, so the profile refers to that variable");
          return "\"${" + name + "}\"";
        }
      }
    }
    out_.has_literal_secret = true;
    out_.warnings.push_back(
        where(e) + e.name + ": copied a literal key (" + redact_secret(e.value) + ") into " +
        std::string(key) + "; better keep it out of the profile: put " + suggested +
        "=... in the home's .env and write " + std::string(key) + " = \"${" + suggested + "}\"");
    return toml_string(e.value);
  }

  std::string port_line() {
    int64_t port = kLegacyPort;
    if (const auto* e = get("PORT")) {
      auto n = parse_int(e->value);
      if (!n || *n < 1 || *n > 65535) {
        out_.errors.push_back(where(*e) + "PORT: '" + e->value.substr(0, 20) +
                              "' is not a port (1 to 65535)");
      } else {
        port = *n;
      }
    } else {
      out_.warnings.push_back("PORT is not set; using the legacy default " +
                              std::to_string(kLegacyPort));
    }
    return "port = " + std::to_string(port) + "\n";
  }

  // host, then client_api_key; the key is read first since a non-loopback host needs it.
  std::string listen_lines() {
    std::string client_key_line;
    if (const auto* e = given("ANTHROPIC_API_KEY")) {
      client_key_line =
          "client_api_key = " + secret(*e, "client_api_key", "CCPROXY_CLIENT_KEY") + "\n";
    }
    std::string host_line;
    if (const auto* e = given("HOST")) {
      if (auto err = check_listen_host(e->value)) {
        out_.errors.push_back(where(*e) + "HOST: " + *err);
      } else if (!is_loopback_host(e->value) && client_key_line.empty()) {
        out_.warnings.push_back(
            where(*e) + "HOST=" + e->value +
            " would let other machines spend the upstream key (no ANTHROPIC_API_KEY); the "
            "profile listens on 127.0.0.1 instead (set host and client_api_key to serve other "
            "machines)");
      } else if (e->value != "127.0.0.1") {
        host_line = "host = " + toml_string(e->value) + "\n";
      }
    }
    return host_line + client_key_line;
  }

  std::string log_level_line() {
    const auto* e = given("LOG_LEVEL");
    if (e == nullptr) {
      return "";
    }
    const std::string level = ccproxy_log_level(e->value);
    if (level.empty()) {
      out_.warnings.push_back(where(*e) + "LOG_LEVEL '" + e->value.substr(0, 20) +
                              "' is not a known level; left at info");
      return "";
    }
    return level == "info" ? "" : "log_level = \"" + level + "\"\n";
  }

  std::string upstream_lines() {
    std::string lines;
    std::string base_url(kLegacyBaseUrl);
    if (const auto* e = given("OPENAI_BASE_URL")) {
      if (auto err = check_base_url(e->value)) {
        out_.errors.push_back(where(*e) + "OPENAI_BASE_URL: " + *err);
      } else {
        base_url = e->value;
      }
    } else {
      out_.warnings.push_back("OPENAI_BASE_URL is not set; using the legacy default " +
                              std::string(kLegacyBaseUrl));
    }
    lines += "base_url = " + toml_string(base_url) + "\n";
    if (const auto* e = given("OPENAI_API_KEY")) {
      if (has_control_chars_or_space(e->value)) {
        out_.errors.push_back(where(*e) + "OPENAI_API_KEY: contains spaces or control characters");
      } else {
        lines += "api_key = " + secret(*e, "upstream.api_key", key_variable_for(base_url)) + "\n";
      }
    } else {
      out_.warnings.push_back("OPENAI_API_KEY is not set; the profile sends no upstream key");
    }
    lines += "format = \"openai\"\n";
    if (provider_for_ != nullptr) {
      const auto* big = given("BIG_MODEL");
      lines += "provider = " +
               toml_string(provider_for_(base_url, big ? std::string_view(big->value)
                                                       : std::string_view(kLegacyBigModel))) +
               "  # the rules translated requests follow (from the model id and host)\n";
    }
    return lines;
  }

  // CUSTOM_HEADER_* in file order.
  std::string header_lines() {
    std::string lines;
    for (const auto& name : order_) {
      if (!name.starts_with(kHeaderPrefix)) {
        continue;
      }
      const DotenvEntry& e = *get(name);
      std::string header = legacy_header_name(std::string_view(name).substr(kHeaderPrefix.size()));
      if (auto err = check_header_name(header); err || header.empty()) {
        out_.errors.push_back(where(e) + name + ": not a valid header name");
        continue;
      }
      if (is_reserved_header(header)) {
        out_.warnings.push_back(where(e) + name + ": ccproxy sets " + header +
                                " itself; not copied");
        continue;
      }
      if (auto err = check_header_value(e.value)) {
        out_.errors.push_back(where(e) + name + ": " + *err);
        continue;
      }
      lines += toml_string(header, false) + " = " + toml_string(e.value) + "\n";
    }
    return lines;
  }

  std::string model_lines() {
    std::string big(kLegacyBigModel);
    if (const auto* e = given("BIG_MODEL")) {
      big = e->value;
    } else {
      out_.warnings.push_back("BIG_MODEL is not set; using the legacy default " + big);
    }
    std::string middle = big;
    if (const auto* e = given("MIDDLE_MODEL")) {
      middle = e->value;
    }
    std::string small(kLegacySmallModel);
    if (const auto* e = given("SMALL_MODEL")) {
      small = e->value;
    } else {
      out_.warnings.push_back("SMALL_MODEL is not set; using the legacy default " + small);
    }
    return "big = " + toml_string(big) + "\nmiddle = " + toml_string(middle) +
           "\nsmall = " + toml_string(small) + "\n";
  }

  // REQUEST_TIMEOUT was the legacy HTTP client's per-read timeout: the wait for the first
  // byte and for each next chunk, not a cap on the whole request.
  std::string timeout_lines() {
    const auto* e = given("REQUEST_TIMEOUT");
    if (e == nullptr) {
      return "";
    }
    auto v = parse_seconds(e->value);
    if (!v || *v <= 0 || *v > 86400) {
      out_.errors.push_back(where(*e) + "REQUEST_TIMEOUT: '" + e->value.substr(0, 20) +
                            "' is not a number of seconds (0 to 86400)");
      return "";
    }
    return "first_byte_s = " + toml_number(*v) + "\nidle_s = " + toml_number(*v) + "\n";
  }

  std::string retry_lines() {
    const auto* e = given("MAX_RETRIES");
    if (e == nullptr) {
      return "";
    }
    auto n = parse_int(e->value);
    if (!n || *n < 0 || *n > 10) {
      out_.errors.push_back(where(*e) + "MAX_RETRIES: '" + e->value.substr(0, 20) +
                            "' is not a whole number from 0 to 10");
      return "";
    }
    return "max_retries = " + std::to_string(*n) + "\n";
  }

  std::string limit_lines() {
    std::string lines;
    for (std::string_view name : {"MAX_TOKENS_LIMIT", "MIN_TOKENS_LIMIT"}) {
      const auto* e = given(name);
      if (e == nullptr) {
        continue;
      }
      auto n = parse_int(e->value);
      if (!n || *n < 0 || *n > 100'000'000) {
        out_.errors.push_back(where(*e) + std::string(name) + ": '" + e->value.substr(0, 20) +
                              "' is not a whole number of tokens");
      } else {
        lines += std::string(name == "MAX_TOKENS_LIMIT" ? "max_tokens" : "min_tokens") + " = " +
                 std::to_string(*n) + "\n";
      }
    }
    return lines;
  }

  void warn_unmapped() {
    for (const auto& name : order_) {
      bool mapped = name.starts_with(kHeaderPrefix);
      for (auto k : kMappedVariables) {
        mapped = mapped || name == k;
      }
      if (!mapped) {
        out_.warnings.push_back(where(*get(name)) + name +
                                " has no ccproxy equivalent; not copied");
      }
    }
  }

  static std::string assemble(const ProfileText& text, std::string_view source_name) {
    std::string toml = "# Imported from " + toml_comment_text(source_name) +
                       " by `ccproxy import-env`. Keys: see README, \"Profile reference\".\n";
    toml += text.top;
    toml += "\n[upstream]\n" + text.upstream;
    if (!text.headers.empty()) {
      toml += "\n[upstream.headers]\n" + text.headers;
    }
    toml += "\n[models]  # opus -> big, sonnet -> middle, haiku -> small\n" + text.models;
    if (!text.timeouts.empty()) {
      toml +=
          "\n[timeouts]  # from REQUEST_TIMEOUT (the legacy per-read timeout)\n" + text.timeouts;
    }
    if (!text.retry.empty()) {
      toml += "\n[retry]\n" + text.retry;
    }
    if (!text.limits.empty()) {
      toml += "\n[limits]\n" + text.limits;
    }
    return toml;
  }

  const Environment* known_;
  ProviderNamer provider_for_;
  LegacyImport out_;
  std::map<std::string, DotenvEntry> vars_;
  std::vector<std::string> order_;  // names in file order, each once
};

}  // namespace

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
                                const Environment* known, ProviderNamer provider_for) {
  return LegacyConverter(text, known, provider_for).convert(source_name);
}

}  // namespace ccproxy::config
