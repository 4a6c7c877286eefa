#include "worker/convert/providers/anthropic_betas.h"

#include "common/text.h"
#include "worker/convert/providers/resolve.h"

namespace ccproxy::convert::providers {
namespace {

// Request fields and the beta (a name prefix: the date varies) they belong to, from
// Anthropic's API reference.
struct BetaField {
  std::string_view field;
  std::string_view beta_prefix;
};
constexpr BetaField kBetaFields[] = {
    {"context_management", "context-management-"},
    {"mcp_servers", "mcp-client-"},
    {"output_format", "structured-outputs-"},
};

// Calls `f` with each non-empty comma-separated name.
template <typename F>
void for_each_beta(std::string_view list, F&& f) {
  while (!list.empty()) {
    const std::size_t comma = list.find(',');
    const std::string_view name = trim_blanks(list.substr(0, comma));
    if (!name.empty()) {
      f(name);
    }
    if (comma == std::string_view::npos) {
      break;
    }
    list.remove_prefix(comma + 1);
  }
}

}  // namespace

std::string forwarded_betas(std::string_view client_betas, const worker::UpstreamConfig& upstream) {
  bool all = false;
  if (!upstream.forward_betas_set) {
    const std::string_view host = url_host(upstream.base_url);
    all = ascii_iequals(host, "api.anthropic.com");
  }
  for (const std::string& allowed : upstream.forward_betas) {
    all = all || allowed == "*";
  }
  std::string out;
  for_each_beta(client_betas, [&](std::string_view name) {
    bool keep = all;
    for (const std::string& allowed : upstream.forward_betas) {
      keep = keep || ascii_iequals(allowed, name);
    }
    if (keep) {
      if (!out.empty()) {
        out.push_back(',');
      }
      out.append(name);
    }
  });
  return out;
}

std::vector<std::string_view> fields_without_beta(std::string_view forwarded) {
  std::vector<std::string_view> fields;
  for (const BetaField& f : kBetaFields) {
    bool present = false;
    for_each_beta(forwarded, [&](std::string_view name) {
      present = present || (name.size() > f.beta_prefix.size() &&
                            ascii_iequals(name.substr(0, f.beta_prefix.size()), f.beta_prefix));
    });
    if (!present) {
      fields.push_back(f.field);
    }
  }
  return fields;
}

}  // namespace ccproxy::convert::providers
