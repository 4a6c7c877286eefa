#pragma once
// SHA-256 (FIPS 180-4) for profile fingerprints. Kept out of OpenSSL on purpose: calling into
// libcrypto at start-up maps megabytes of its code into every worker, which otherwise only a
// TLS upstream needs.

#include <array>
#include <cstdint>
#include <string_view>

namespace ccproxy {

using Sha256Digest = std::array<std::uint8_t, 32>;

Sha256Digest sha256(std::string_view data);

}  // namespace ccproxy
