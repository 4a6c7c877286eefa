#pragma once
// SHA-256 of a byte string (profile fingerprints), computed by OpenSSL's libcrypto.

#include <array>
#include <cstdint>
#include <string_view>

namespace ccproxy {

using Sha256Digest = std::array<std::uint8_t, 32>;

Sha256Digest sha256(std::string_view data);

}  // namespace ccproxy
