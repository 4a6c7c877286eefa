#pragma once
// Defence in depth for "keys never appear in logs": callers redact what they log, and the log
// file additionally replaces every occurrence of a known secret by its hint ("sk-…abcd").

#include <string>
#include <vector>

namespace ccproxy::logging {

/// Replaces each occurrence of each non-empty secret in *text with redact_secret(secret),
/// however short the secret is. Returns the number of replacements.
std::size_t redact_secrets(std::string* text, const std::vector<std::string>& secrets);

}  // namespace ccproxy::logging
