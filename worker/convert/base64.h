#pragma once
// Standard base64 decoding (RFC 4648, '=' padding optional, ASCII whitespace ignored).

#include <string>
#include <string_view>

namespace ccproxy::convert {

/// Decodes `in` into `out`; false on a character outside the alphabet or a bad length.
bool base64_decode(std::string_view in, std::string& out);

}  // namespace ccproxy::convert
