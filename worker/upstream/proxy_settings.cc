#include "worker/upstream/proxy_settings.h"

#include <arpa/inet.h>

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>
#include <charconv>
#include <vector>

namespace ccproxy::worker {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

std::optional<uint32_t> ipv4(std::string_view text) {
  std::string s(text);
  in_addr addr{};
  if (inet_pton(AF_INET, s.c_str(), &addr) != 1) {
    return std::nullopt;
  }
  return ntohl(addr.s_addr);
}

bool entry_matches(std::string entry, const std::string& host, uint16_t port) {
  if (entry == "*") {
    return true;
  }
  // CIDR: only for literal IPv4 hosts.
  if (auto slash = entry.find('/'); slash != std::string::npos) {
    auto net = ipv4(std::string_view(entry).substr(0, slash));
    auto h = ipv4(host);
    int bits = -1;
    auto bits_text = std::string_view(entry).substr(slash + 1);
    auto [p, ec] = std::from_chars(bits_text.data(), bits_text.data() + bits_text.size(), bits);
    if (!net || !h || ec != std::errc() || bits < 0 || bits > 32) {
      return false;
    }
    uint32_t mask = bits == 0 ? 0 : (~uint32_t{0} << (32 - bits));
    return (*net & mask) == (*h & mask);
  }
  // host:port (IPv6 literals in brackets: [::1]:8080).
  std::string entry_host = entry;
  if (!entry.empty() && entry.front() == '[') {
    auto close = entry.find(']');
    if (close == std::string::npos) {
      return false;
    }
    entry_host = entry.substr(1, close - 1);
    if (close + 1 < entry.size() && entry[close + 1] == ':') {
      if (entry.substr(close + 2) != std::to_string(port)) {
        return false;
      }
    }
  } else if (auto colon = entry.rfind(':');
             colon != std::string::npos && entry.find(':') == colon) {
    if (entry.substr(colon + 1) != std::to_string(port)) {
      return false;
    }
    entry_host = entry.substr(0, colon);
  }
  if (entry_host.rfind("*.", 0) == 0) {
    entry_host.erase(0, 1);
  }
  if (!entry_host.empty() && entry_host.front() == '.') {
    entry_host.erase(0, 1);
  }
  if (entry_host.empty()) {
    return false;
  }
  return host == entry_host || ends_with(host, "." + entry_host);
}

const char* first_env(const GetEnv& getenv, std::initializer_list<const char*> names,
                      const char** which) {
  for (const char* name : names) {
    const char* v = getenv(name);
    if (v != nullptr && *v != '\0') {
      *which = name;
      return v;
    }
  }
  return nullptr;
}

}  // namespace

std::string base64_encode(std::string_view data) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < data.size(); i += 3) {
    uint32_t n = (uint32_t(uint8_t(data[i])) << 16) | (uint32_t(uint8_t(data[i + 1])) << 8) |
                 uint8_t(data[i + 2]);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += kAlphabet[n & 63];
  }
  if (i + 1 == data.size()) {
    uint32_t n = uint32_t(uint8_t(data[i])) << 16;
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += "==";
  } else if (i + 2 == data.size()) {
    uint32_t n = (uint32_t(uint8_t(data[i])) << 16) | (uint32_t(uint8_t(data[i + 1])) << 8);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += '=';
  }
  return out;
}

Result<ProxyEndpoint, std::string> parse_proxy_url(std::string_view text) {
  std::string url(text);
  if (url.find("://") == std::string::npos) {
    url = "http://" + url;
  }
  auto parsed = boost::urls::parse_uri(url);
  if (!parsed) {
    return fail(std::string("not a proxy URL: ") + std::string(text));
  }
  boost::urls::url_view u = *parsed;
  std::string scheme = lower(u.scheme());
  if (scheme != "http") {
    return fail("unsupported proxy scheme '" + scheme +
                "' (only http:// proxies with CONNECT are supported)");
  }
  ProxyEndpoint out;
  out.host = u.host_address();
  if (out.host.empty()) {
    return fail(std::string("proxy URL has no host: ") + std::string(text));
  }
  out.port = 80;
  if (u.has_port()) {
    if (u.port_number() == 0) {
      return fail(std::string("proxy URL has an invalid port: ") + std::string(text));
    }
    out.port = u.port_number();
  }
  std::string host_display =
      u.host_type() == boost::urls::host_type::ipv6 ? "[" + out.host + "]" : out.host;
  out.display = "http://";
  if (u.has_userinfo()) {
    std::string user = u.user();
    std::string password = u.password();
    out.authorization = "Basic " + base64_encode(user + ":" + password);
    out.display += user + (u.has_password() ? ":***@" : "@");
  }
  out.display += host_display + ":" + std::to_string(out.port);
  return out;
}

bool no_proxy_matches(std::string_view no_proxy, std::string_view host_in, uint16_t port) {
  std::string host = lower(host_in);
  if (!host.empty() && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  while (!host.empty() && host.back() == '.') {
    host.pop_back();
  }
  std::string list = lower(no_proxy);
  std::size_t i = 0;
  while (i < list.size()) {
    std::size_t end = list.find_first_of(", \t", i);
    if (end == std::string::npos) {
      end = list.size();
    }
    std::string entry = list.substr(i, end - i);
    i = end + 1;
    if (entry.empty()) {
      continue;
    }
    if (entry_matches(entry, host, port)) {
      return true;
    }
  }
  return false;
}

Result<std::optional<ProxyEndpoint>, std::string> choose_proxy(std::string_view config_proxy,
                                                               bool tls, std::string_view host,
                                                               uint16_t port,
                                                               const GetEnv& getenv) {
  if (!config_proxy.empty()) {
    auto p = parse_proxy_url(config_proxy);
    if (!p) {
      return fail("upstream.proxy: " + p.error());
    }
    return std::optional<ProxyEndpoint>(std::move(*p));
  }
  const char* which = nullptr;
  const char* value =
      tls ? first_env(getenv, {"https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"}, &which)
          : first_env(getenv, {"http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"}, &which);
  if (value == nullptr) {
    return std::optional<ProxyEndpoint>();
  }
  const char* no_proxy_name = nullptr;
  if (const char* no_proxy = first_env(getenv, {"no_proxy", "NO_PROXY"}, &no_proxy_name)) {
    if (no_proxy_matches(no_proxy, host, port)) {
      return std::optional<ProxyEndpoint>();
    }
  }
  auto p = parse_proxy_url(value);
  if (!p) {
    return fail(std::string(which) + ": " + p.error());
  }
  return std::optional<ProxyEndpoint>(std::move(*p));
}

}  // namespace ccproxy::worker
