#include "logging/log_line.h"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>

#include <algorithm>

#include "logging/log_file.h"
#include "logging/redact.h"

namespace ccproxy::logging {
namespace {

bool is_control(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u < 0x20 || u == 0x7f;
}

// The pattern's flag for the message written through safe_message (in place of %v).
constexpr char kSafeMessageFlag = '*';

class SafeMessageFlag final : public spdlog::custom_flag_formatter {
 public:
  explicit SafeMessageFlag(std::vector<std::string> secrets) : secrets_(std::move(secrets)) {}

  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    const std::string_view payload(msg.payload.data(), msg.payload.size());
    if (std::none_of(payload.begin(), payload.end(), is_control) &&
        std::none_of(secrets_.begin(), secrets_.end(), [&](const std::string& secret) {
          return !secret.empty() && payload.find(secret) != std::string_view::npos;
        })) {
      dest.append(payload.data(), payload.data() + payload.size());  // the common case
      return;
    }
    const std::string text = safe_message(payload, secrets_);
    dest.append(text.data(), text.data() + text.size());
  }

  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<SafeMessageFlag>(secrets_);
  }

 private:
  std::vector<std::string> secrets_;
};

// kLogPattern with its message flag (%v) replaced by kSafeMessageFlag.
std::string safe_pattern() {
  std::string pattern = kLogPattern;
  pattern.replace(pattern.find("%v"), 2, std::string("%") + kSafeMessageFlag);
  return pattern;
}

}  // namespace

std::string escape_controls(std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (!is_control(c)) {
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else {
      const auto u = static_cast<unsigned char>(c);
      out += "\\x";
      out += kHex[u >> 4];
      out += kHex[u & 0xf];
    }
  }
  return out;
}

std::string safe_message(std::string_view message, const std::vector<std::string>& secrets) {
  std::string text(message);
  redact_secrets(&text, secrets);
  return escape_controls(text);
}

std::unique_ptr<spdlog::formatter> line_formatter(std::vector<std::string> secrets) {
  auto formatter = std::make_unique<spdlog::pattern_formatter>();
  formatter->add_flag<SafeMessageFlag>(kSafeMessageFlag, std::move(secrets))
      .set_pattern(safe_pattern());
  return formatter;
}

std::shared_ptr<spdlog::sinks::sink> stderr_sink(std::vector<std::string> secrets) {
  auto sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  sink->set_formatter(line_formatter(std::move(secrets)));
  return sink;
}

}  // namespace ccproxy::logging
