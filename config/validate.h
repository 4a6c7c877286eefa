#pragma once
// Value checks shared by the profile loader and import-env. Each returns nullopt when the value
// is fine, else the message for the Diagnostic. Messages never quote the value itself (it may
// be or contain a secret) unless said otherwise.

#include <optional>
#include <string>
#include <string_view>

namespace ccproxy::config {

/// An upstream base URL: http or https, with a host, no user:password@, query or fragment.
/// A host name must, percent-decoded, be letters, digits, '-', '.' and '_' only (no control
/// character or space can reach a request line or header through it); import-env and the
/// profile loader both check here.
std::optional<std::string> check_base_url(std::string_view url);
/// An HTTP proxy URL: http://[user:pass@]host[:port], its host as for check_base_url.
std::optional<std::string> check_proxy_url(std::string_view url);
/// An HTTP header name (RFC 9110 token); quoting the name is fine.
std::optional<std::string> check_header_name(std::string_view name);
/// No CR, LF, NUL or other control characters (except tab).
std::optional<std::string> check_header_value(std::string_view value);
/// A host name or IP address to listen on.
std::optional<std::string> check_listen_host(std::string_view host);
bool is_loopback_host(std::string_view host);
/// Profile names become file names and log names: [A-Za-z0-9_-]+, not "ccproxy" or "supervisor".
std::optional<std::string> check_profile_name(std::string_view name);
/// Headers ccproxy sets itself (framing, hop-by-hop); a profile may not override them.
bool is_reserved_header(std::string_view name);

}  // namespace ccproxy::config
