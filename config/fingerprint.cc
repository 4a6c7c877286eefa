#include "config/fingerprint.h"

#include <cstdint>

#include "common/sha256.h"

namespace ccproxy::config {
namespace {

// Length-prefixed fields, so that no two different configs serialise alike.
class Canon {
 public:
  Canon& add(std::string_view s) {
    out_.append(std::to_string(s.size()));
    out_.push_back(':');
    out_.append(s);
    out_.push_back(';');
    return *this;
  }
  Canon& add(int64_t n) { return add(std::to_string(n)); }
  template <typename Rep, typename Period>
  Canon& add(std::chrono::duration<Rep, Period> d) {
    return add(static_cast<int64_t>(std::chrono::milliseconds(d).count()));
  }
  const std::string& str() const { return out_; }

 private:
  std::string out_;
};

}  // namespace

std::string fingerprint(const worker::WorkerConfig& c, const std::string& log_level) {
  Canon k;
  k.add("v1").add(c.profile).add(c.display_name).add(c.host).add(int64_t{c.port});
  k.add(c.client_api_key);
  k.add(static_cast<int64_t>(c.upstreams.size()));
  for (const auto& u : c.upstreams) {
    k.add(u.name).add(u.base_url).add(static_cast<int64_t>(u.api_keys.size()));
    for (const auto& key : u.api_keys) {
      k.add(key);
    }
    k.add(int64_t{u.format == worker::UpstreamFormat::openai ? 0 : 1});
    k.add(static_cast<int64_t>(u.headers.size()));
    for (const auto& [name, value] : u.headers) {
      k.add(name).add(value);
    }
    k.add(u.proxy).add(u.ca_file).add(u.anthropic_version);
    k.add(u.models.big).add(u.models.middle).add(u.models.small);
    k.add(u.models.vision).add(u.models.long_context).add(u.models.think);
    k.add(int64_t{u.models.passthrough_provider_models ? 1 : 0});
    k.add(u.timeouts.connect).add(u.timeouts.first_byte).add(u.timeouts.idle);
    k.add(static_cast<int64_t>(u.provider)).add(static_cast<int64_t>(u.reasoning));
    k.add(int64_t{u.forward_betas_set ? 1 : 0});
    k.add(static_cast<int64_t>(u.forward_betas.size()));
    for (const auto& beta : u.forward_betas) {
      k.add(beta);
    }
  }
  k.add(c.routing.long_context_tokens);
  k.add(int64_t{static_cast<int>(c.balance.strategy)}).add(c.balance.cooldown);
  k.add(c.timeouts.connect).add(c.timeouts.first_byte).add(c.timeouts.idle).add(c.timeouts.total);
  k.add(int64_t{c.retry.max_retries}).add(c.retry.backoff_initial).add(c.retry.backoff_max);
  k.add(c.retry.retry_after_cap);
  k.add(c.max_tokens.min).add(c.max_tokens.max);
  k.add(static_cast<int64_t>(c.max_body_bytes)).add(c.shutdown_grace);
  k.add(log_level);

  const Sha256Digest md = sha256(k.str());
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < 8; ++i) {
    out.push_back(kHex[md[i] >> 4]);
    out.push_back(kHex[md[i] & 0xf]);
  }
  return out;
}

}  // namespace ccproxy::config
