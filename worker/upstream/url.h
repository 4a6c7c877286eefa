#pragma once
// Where requests go: the profile's base_url parsed once into scheme, host, port and the
// request target of the API endpoint.
//
// Joining rule (trailing slashes of the base path are ignored; a query string in base_url is
// kept and appended to the endpoint):
//   openai:    <base path> + "/chat/completions", unless the base path already ends with it.
//   anthropic: <base path> + "/messages" when the base path ends with "/v1",
//              the base path unchanged when it already ends with "/v1/messages",
//              otherwise <base path> + "/v1/messages".
//   https://openrouter.ai/api/v1       -> /api/v1/chat/completions
//   https://api.z.ai/api/anthropic     -> /api/anthropic/v1/messages
//   https://api.anthropic.com          -> /v1/messages

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"
#include "worker/worker_config.h"

namespace ccproxy::worker {

struct UpstreamEndpoint {
  bool tls = true;
  std::string host;  // without brackets for IPv6 literals
  uint16_t port = 443;
  std::string target;  // origin-form request target: path and query
  /// "host" or "host:port" (port only when not the scheme's default; IPv6 in brackets).
  std::string host_header;
};

/// http:// or https:// only; anything else is an error with a readable message.
Result<UpstreamEndpoint, std::string> parse_upstream(std::string_view base_url,
                                                     UpstreamFormat format);

}  // namespace ccproxy::worker
