#include "worker/convert/providers/resolve.h"

#include "common/text.h"
#include "worker/convert/providers/provider_rules.h"

namespace ccproxy::convert::providers {
namespace {

using worker::Provider;

bool host_is(std::string_view host, std::string_view domain) {
  if (host.size() < domain.size() ||
      !ascii_iequals(host.substr(host.size() - domain.size()), domain)) {
    return false;
  }
  return host.size() == domain.size() || host[host.size() - domain.size() - 1] == '.';
}

}  // namespace

std::string_view url_host(std::string_view url) {
  const std::size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) {
    return {};
  }
  std::string_view rest = url.substr(scheme + 3);
  rest = rest.substr(0, rest.find_first_of("/?#"));
  if (const std::size_t at = rest.rfind('@'); at != std::string_view::npos) {
    rest = rest.substr(at + 1);
  }
  if (!rest.empty() && rest.front() == '[') {
    return rest.substr(0, rest.find(']') + 1);
  }
  return rest.substr(0, rest.find(':'));
}

Provider provider_of_model(std::string_view model) {
  // The id's last segment names the model family; a vendor prefix alone says less (a router's
  // "groq/moonshotai/Kimi-K2" is Kimi served by Groq).
  struct Family {
    std::string_view part;
    Provider provider;
  };
  static constexpr Family kFamilies[] = {
      {"gemini", Provider::gemini},   {"kimi", Provider::kimi},
      {"moonshot", Provider::kimi},   {"deepseek", Provider::deepseek},
      {"minimax", Provider::minimax}, {"glm", Provider::glm},
  };
  for (const Family& family : kFamilies) {
    if (model_has(model, family.part)) {
      return family.provider;
    }
  }
  const std::string_view last = model.substr(model.rfind('/') + 1);
  if (ascii_iequals(model.substr(0, 7), "openai/") || ascii_iequals(last.substr(0, 4), "gpt-") ||
      ((last.size() >= 2 && (last[0] == 'o' || last[0] == 'O') && last[1] >= '1' &&
        last[1] <= '9'))) {
    return Provider::openai;
  }
  return Provider::automatic;
}

Provider provider_of_host(std::string_view host) {
  struct Host {
    std::string_view domain;
    Provider provider;
  };
  static constexpr Host kHosts[] = {
      {"generativelanguage.googleapis.com", Provider::gemini},
      {"moonshot.ai", Provider::kimi},
      {"moonshot.cn", Provider::kimi},
      {"deepseek.com", Provider::deepseek},
      {"minimax.io", Provider::minimax},
      {"minimaxi.com", Provider::minimax},
      {"z.ai", Provider::glm},
      {"bigmodel.cn", Provider::glm},
      {"api.openai.com", Provider::openai},
  };
  for (const Host& h : kHosts) {
    if (host_is(host, h.domain)) {
      return h.provider;
    }
  }
  return Provider::automatic;
}

Provider resolve_provider(const worker::UpstreamConfig& upstream, std::string_view upstream_model) {
  if (upstream.provider != Provider::automatic) {
    return upstream.provider;
  }
  if (const Provider p = provider_of_model(upstream_model); p != Provider::automatic) {
    return p;
  }
  if (const Provider p = provider_of_host(url_host(upstream.base_url)); p != Provider::automatic) {
    return p;
  }
  return Provider::generic;
}

}  // namespace ccproxy::convert::providers
