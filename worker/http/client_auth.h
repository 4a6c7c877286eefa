#pragma once
// Client authentication: when the profile sets a client key, every /v1 request must carry it
// as `x-api-key` or `Authorization: Bearer`. Compared in constant time.

#include <string_view>

namespace ccproxy::worker {

enum class ClientAuth {
  ok,       // no key configured, or a presented key matches
  missing,  // a key is configured and the request carries none
  invalid,  // a key was presented and does not match
};

/// `authorization` is the raw header value ("Bearer <key>"; the scheme is case-insensitive).
ClientAuth check_client_key(std::string_view expected, std::string_view x_api_key,
                            std::string_view authorization);

}  // namespace ccproxy::worker
