#pragma once
// Which HTTP proxy (if any) carries the connection to the upstream. The profile's
// upstream.proxy wins; otherwise the usual environment: https_proxy/HTTPS_PROXY for https
// upstreams, http_proxy/HTTP_PROXY for http ones, ALL_PROXY/all_proxy as the fallback, all
// subject to NO_PROXY/no_proxy. Pure: the environment is passed in.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace ccproxy::worker {

struct ProxyEndpoint {
  std::string host;
  uint16_t port = 80;
  /// "Basic <base64(user:pass)>" when the proxy URL carries credentials, else empty.
  std::string authorization;
  /// The URL with the password redacted, for logs.
  std::string display;
};

/// http://[user:pass@]host[:port][/] (a bare host:port means http://). https:// and socks
/// proxies are refused with a message.
Result<ProxyEndpoint, std::string> parse_proxy_url(std::string_view url);

/// NO_PROXY semantics: comma- or space-separated entries; "*" matches everything; "example.com"
/// and ".example.com" match the domain and its subdomains; "host:port" matches that port only;
/// IPv4 CIDR ("10.0.0.0/8") matches literal addresses in the range. Case-insensitive.
bool no_proxy_matches(std::string_view no_proxy, std::string_view host, uint16_t port);

using GetEnv = std::function<const char*(const char*)>;

/// The proxy for one upstream, nullopt for a direct connection. Errors name the variable.
Result<std::optional<ProxyEndpoint>, std::string> choose_proxy(std::string_view config_proxy,
                                                               bool tls, std::string_view host,
                                                               uint16_t port, const GetEnv& getenv);

std::string base64_encode(std::string_view data);

}  // namespace ccproxy::worker
