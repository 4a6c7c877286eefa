#include "config/validate.h"

#include <array>
#include <charconv>

#include <boost/url/parse.hpp>

#include "common/text.h"

namespace ccproxy::config {
namespace {

struct UrlParts {
  std::string scheme;
  bool has_host = false;
  bool has_userinfo = false;
  bool has_query = false;
  bool has_fragment = false;
  bool bad_port = false;
  bool bad_host = false;
  std::string path;
};

// A registered name, once percent-decoded, must be a DNS name: letters, digits, '-', '.', '_'.
// Anything else (a control character, a space, a line break) could end up in a request line or
// a header. IP addresses are checked by the URL parser itself.
template <class Url>
bool bad_host_name(const Url& u) {
  if (u.host_type() != boost::urls::host_type::name) {
    return false;
  }
  for (char c : u.host_address()) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '.' || c == '_';
    if (!ok) {
      return true;
    }
  }
  return false;
}

std::optional<UrlParts> split_url(std::string_view text) {
  auto r = boost::urls::parse_absolute_uri(text);
  if (!r) {
    // parse_absolute_uri refuses fragments; retry as a general URI for a clearer message.
    auto u = boost::urls::parse_uri(text);
    if (!u) {
      return std::nullopt;
    }
    UrlParts p;
    p.scheme = std::string(u->scheme());
    p.has_host = u->has_authority() && !u->encoded_host().empty();
    p.has_userinfo = u->has_userinfo();
    p.has_query = u->has_query();
    p.has_fragment = u->has_fragment();
    p.bad_host = bad_host_name(*u);
    p.path = std::string(u->encoded_path());
    return p;
  }
  const auto& u = *r;
  UrlParts p;
  p.scheme = std::string(u.scheme());
  p.has_host = u.has_authority() && !u.encoded_host().empty();
  p.has_userinfo = u.has_userinfo();
  p.has_query = u.has_query();
  p.bad_host = bad_host_name(u);
  p.path = std::string(u.encoded_path());
  if (u.has_port()) {
    std::string_view port = u.port();
    unsigned n = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), n);
    p.bad_port = port.empty() || ec != std::errc() || end != port.data() + port.size() || n == 0 ||
                 n > 65535;
  }
  return p;
}

constexpr const char* kBadHost =
    "URL host is not a valid host name (letters, digits, '-', '.' and '_'; no spaces or control "
    "characters, percent-encoded or not)";

}  // namespace

std::optional<std::string> check_base_url(std::string_view url) {
  if (url.empty()) {
    return "must not be empty";
  }
  auto p = split_url(url);
  if (!p) {
    return "not a URL";
  }
  if (!ascii_iequals(p->scheme, "http") && !ascii_iequals(p->scheme, "https")) {
    return "not an http or https URL";
  }
  if (!p->has_host) {
    return "URL has no host";
  }
  if (p->bad_host) {
    return kBadHost;
  }
  if (p->bad_port) {
    return "URL has a bad port";
  }
  if (p->has_userinfo) {
    return "URL must not contain user:password@ (use upstream.api_key or upstream.headers)";
  }
  if (p->has_query || p->has_fragment) {
    return "URL must not have a query or fragment";
  }
  return std::nullopt;
}

std::optional<std::string> check_proxy_url(std::string_view url) {
  auto p = split_url(url);
  if (!p) {
    return "not a URL";
  }
  if (!ascii_iequals(p->scheme, "http")) {
    return "must be an http:// URL (http://[user:pass@]host:port)";
  }
  if (!p->has_host) {
    return "URL has no host";
  }
  if (p->bad_host) {
    return kBadHost;
  }
  if (p->bad_port) {
    return "URL has a bad port";
  }
  if ((!p->path.empty() && p->path != "/") || p->has_query || p->has_fragment) {
    return "proxy URL must not have a path, query or fragment";
  }
  return std::nullopt;
}

std::optional<std::string> check_header_name(std::string_view name) {
  static constexpr std::string_view kExtra = "!#$%&'*+-.^_`|~";
  if (name.empty()) {
    return "header name must not be empty";
  }
  for (char c : name) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              kExtra.find(c) != std::string_view::npos;
    if (!ok) {
      return "not a valid header name";
    }
  }
  return std::nullopt;
}

std::optional<std::string> check_header_value(std::string_view value) {
  for (char c : value) {
    if (c == '\r' || c == '\n') {
      return "value contains a line break";
    }
    if ((static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7f) {
      return "value contains a control character";
    }
  }
  return std::nullopt;
}

std::optional<std::string> check_listen_host(std::string_view host) {
  if (host.empty()) {
    return "must not be empty";
  }
  for (char c : host) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '-' || c == ':' || c == '%' || c == '_';
    if (!ok) {
      return "not a host name or IP address (write IPv6 addresses without brackets)";
    }
  }
  return std::nullopt;
}

bool is_loopback_host(std::string_view host) {
  return ascii_iequals(host, "localhost") || host.starts_with("127.") || host == "::1";
}

std::optional<std::string> check_profile_name(std::string_view name) {
  if (name.empty()) {
    return "profile name must not be empty";
  }
  for (char c : name) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-';
    if (!ok) {
      return "profile name '" + std::string(name) + "' may only use letters, digits, '-' and '_'";
    }
  }
  if (name == "ccproxy") {
    return "profile name 'ccproxy' is reserved (logs/ccproxy.log is the supervisor's log)";
  }
  if (name == "supervisor") {
    return "profile name 'supervisor' is reserved (pids/supervisor.json is the supervisor's "
           "identity)";
  }
  return std::nullopt;
}

bool is_reserved_header(std::string_view name) {
  static constexpr std::array<std::string_view, 9> kReserved = {
      "host", "content-length", "transfer-encoding", "connection", "keep-alive", "upgrade",
      "te",   "trailer",        "proxy-connection"};
  for (auto r : kReserved) {
    if (ascii_iequals(name, r)) {
      return true;
    }
  }
  return false;
}

}  // namespace ccproxy::config
