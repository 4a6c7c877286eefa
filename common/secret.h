#pragma once
// Secrets (API keys) must never reach output: logs, errors, `check`, /health.

#include <cstddef>
#include <string>
#include <string_view>

namespace ccproxy {

/// Secrets shorter than this are masked whole: their last four characters would give away too
/// large a part of them.
inline constexpr std::size_t kRedactMinRevealLength = 16;
/// A marker before the first '-' of at most this many characters ("sk", "gsk") is shown.
inline constexpr std::size_t kRedactMaxMarkerLength = 3;

/// A printable hint of a secret: "sk-…abcd" (a short vendor marker, then the last four
/// characters); nothing else of it. Secrets shorter than kRedactMinRevealLength are fully
/// masked ("…"); the empty string stays "(empty)".
std::string redact_secret(std::string_view secret);

/// Constant-time equality for credentials (length is not hidden).
bool secrets_equal(std::string_view a, std::string_view b);

}  // namespace ccproxy
