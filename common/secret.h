#pragma once
// Secrets (API keys) must never reach output: logs, errors, `check`, /health.

#include <string>
#include <string_view>

namespace ccproxy {

/// A printable hint of a secret: "sk-…abcd" (prefix up to the first '-', then the last four
/// characters). Short secrets are fully masked; the empty string stays "(empty)".
std::string redact_secret(std::string_view secret);

/// Constant-time equality for credentials (length is not hidden).
bool secrets_equal(std::string_view a, std::string_view b);

}  // namespace ccproxy
