#include "worker/upstream/url.h"

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

namespace ccproxy::worker {
namespace {

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

std::string join_path(std::string path, UpstreamFormat format) {
  while (!path.empty() && path.back() == '/') {
    path.pop_back();
  }
  if (format == UpstreamFormat::openai) {
    if (!ends_with(path, "/chat/completions")) {
      path += "/chat/completions";
    }
    return path;
  }
  if (ends_with(path, "/v1/messages")) {
    return path;
  }
  if (ends_with(path, "/v1")) {
    return path + "/messages";
  }
  return path + "/v1/messages";
}

}  // namespace

Result<UpstreamEndpoint, std::string> parse_upstream(std::string_view base_url,
                                                     UpstreamFormat format) {
  auto parsed = boost::urls::parse_uri(base_url);
  if (!parsed) {
    return fail(std::string("upstream.base_url is not a URL: ") + std::string(base_url));
  }
  boost::urls::url_view url = *parsed;
  UpstreamEndpoint out;
  std::string scheme(url.scheme());
  for (auto& c : scheme) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  if (scheme == "https") {
    out.tls = true;
    out.port = 443;
  } else if (scheme == "http") {
    out.tls = false;
    out.port = 80;
  } else {
    return fail("upstream.base_url must start with http:// or https://: " + std::string(base_url));
  }
  out.host = url.host_address();
  if (out.host.empty()) {
    return fail("upstream.base_url has no host: " + std::string(base_url));
  }
  bool default_port = true;
  if (url.has_port()) {
    if (url.port_number() == 0) {
      return fail("upstream.base_url has an invalid port: " + std::string(base_url));
    }
    default_port = url.port_number() == out.port;
    out.port = url.port_number();
  }
  bool ipv6 = url.host_type() == boost::urls::host_type::ipv6;
  out.host_header = out.host;
  if (ipv6) {
    out.host_header.insert(0, 1, '[').push_back(']');
  }
  if (!default_port) {
    out.host_header += ':';
    out.host_header += std::to_string(out.port);
  }
  out.target = join_path(std::string(url.encoded_path()), format);
  if (url.has_query()) {
    out.target += "?";
    out.target += std::string(url.encoded_query());
  }
  return out;
}

}  // namespace ccproxy::worker
