#pragma once
// What one log record looks like once written: kLogPattern on a single line, the message with
// every known secret masked and every control character escaped. A logged value (a model name,
// a provider's error text) can therefore never start a line of its own or carry a key into the
// log. The log file and the stderr sink (`ccproxy run --log-stderr`, the terminal) both use it.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace spdlog {
class formatter;
namespace sinks {
class sink;
}
}  // namespace spdlog

namespace ccproxy::logging {

/// `text` with "\n" -> "\\n", "\r" -> "\\r", and every other C0 control character and DEL ->
/// "\\xNN". Other bytes (UTF-8 included) are kept as they are.
std::string escape_controls(std::string_view text);

/// The message as it is written: each secret masked (redact_secrets), then escape_controls.
std::string safe_message(std::string_view message, const std::vector<std::string>& secrets);

/// A formatter for kLogPattern that writes the message through safe_message.
std::unique_ptr<spdlog::formatter> line_formatter(std::vector<std::string> secrets);

/// A thread-safe sink writing lines of line_formatter to stderr.
std::shared_ptr<spdlog::sinks::sink> stderr_sink(std::vector<std::string> secrets);

}  // namespace ccproxy::logging
