#pragma once
// Base64 (RFC 4648): decoding of the standard and the URL-safe alphabet ('=' padding optional,
// ASCII whitespace ignored), and URL-safe encoding without padding.

#include <string>
#include <string_view>

namespace ccproxy::convert {

/// Decodes `in` into `out`; false on a character outside the alphabet or a bad length.
bool base64_decode(std::string_view in, std::string& out);

/// Appends `in` in the URL-safe alphabet (A-Z a-z 0-9 - _), without padding.
void base64url_encode(std::string_view in, std::string& out);

}  // namespace ccproxy::convert
