#pragma once
// The plain settings one worker runs with. `worker/` knows nothing about TOML or files:
// config/ reads a profile into this struct (Profile::worker) and `cmd/run` hands it over.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace ccproxy::worker {

enum class UpstreamFormat {
  openai,     // translate Anthropic Messages <-> OpenAI chat completions
  anthropic,  // pass-through to an Anthropic-compatible endpoint
};

/// The model slots of a profile: the three Claude families (opus -> big, sonnet -> middle,
/// haiku -> small) and the optional routing tiers chosen by what a request contains.
enum class Tier { big, middle, small, vision, long_context, think };

/// Every tier, in profile order.
inline constexpr Tier kAllTiers[] = {Tier::big,    Tier::middle,       Tier::small,
                                     Tier::vision, Tier::long_context, Tier::think};

/// The profile key of a tier: "big", "middle", "small", "vision", "long", "think".
constexpr const char* tier_name(Tier tier) {
  switch (tier) {
    case Tier::big:
      return "big";
    case Tier::middle:
      return "middle";
    case Tier::small:
      return "small";
    case Tier::vision:
      return "vision";
    case Tier::long_context:
      return "long";
    case Tier::think:
      return "think";
  }
  return "big";
}

/// Tiers -> provider models. An empty string is a tier that is not set.
struct ModelMap {
  std::string big;
  std::string middle;
  std::string small;
  std::string vision;        // any image in the request
  std::string long_context;  // estimated input above the profile's long_context_tokens
  std::string think;         // thinking enabled
  /// Request models that already look like provider models ("vendor/model") are forwarded
  /// unchanged when true; otherwise every unknown name goes to `big`.
  bool passthrough_provider_models = true;

  /// The model of one tier ("" when that tier is not set).
  const std::string& model_for(Tier tier) const {
    switch (tier) {
      case Tier::big:
        return big;
      case Tier::middle:
        return middle;
      case Tier::small:
        return small;
      case Tier::vision:
        return vision;
      case Tier::long_context:
        return long_context;
      case Tier::think:
        return think;
    }
    return big;
  }
};

/// The routing rules' settings beside the tiers (worker/convert/routing.h has the rules).
struct RoutingSettings {
  /// The long tier takes a request whose estimated input is above this many tokens; 0: the
  /// long rule is off.
  int64_t long_context_tokens = 0;
};

struct Timeouts {
  std::chrono::milliseconds connect{10'000};
  /// Until the upstream's response headers arrive (large prompts can take minutes to start).
  std::chrono::milliseconds first_byte{300'000};
  /// Longest silence between two stream chunks.
  std::chrono::milliseconds idle{300'000};
  /// Whole request, first byte to last. Claude Code itself waits up to 10 minutes.
  std::chrono::milliseconds total{900'000};
};

struct RetryPolicy {
  int max_retries = 2;  // attempts after the first one
  std::chrono::milliseconds backoff_initial{500};
  std::chrono::milliseconds backoff_max{8'000};
  std::chrono::milliseconds retry_after_cap{30'000};
};

/// Clamp for the client's max_tokens; 0 means no bound on that side.
struct TokenLimits {
  int64_t min = 0;
  int64_t max = 0;
};

/// Whose rules a translated request follows (worker/convert/providers). `automatic`: resolved
/// per request from the upstream model id and the base URL's host.
enum class Provider { automatic, generic, openai, gemini, kimi, deepseek, minimax, glm };

/// The profile's `reasoning` override: `automatic` follows the client's `thinking` and
/// `output_config.effort`; the others replace them.
enum class Reasoning { automatic, off, on, low, medium, high };

/// One upstream of the profile's pool: where it is, its keys, its models, how to talk to it.
struct UpstreamConfig {
  /// Names it in status, metrics and logs: `[[upstreams]] name`, or for a profile written with
  /// the single `[upstream]` table, the host of its base_url.
  std::string name;
  std::string base_url;  // e.g. https://router.requesty.ai/v1
  /// Keys rotated across sessions; empty: the upstream takes no key.
  std::vector<std::string> api_keys;
  UpstreamFormat format = UpstreamFormat::openai;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers, in profile order
  /// http://[user:pass@]host:port for CONNECT; empty means "use HTTPS_PROXY/NO_PROXY".
  std::string proxy;
  /// Extra PEM CA bundle trusted besides the system store (private CAs, tests).
  std::string ca_file;
  std::string anthropic_version = "2023-06-01";  // sent in pass-through mode
  /// `provider` in [upstream]: the rules translated requests follow.
  Provider provider = Provider::automatic;
  /// `reasoning` in [upstream]: the thinking switch sent to the provider.
  Reasoning reasoning = Reasoning::automatic;
  /// `forward_betas` in [upstream] (pass-through): the client's anthropic-beta values sent on.
  /// Unset: every beta for api.anthropic.com, none for other hosts; "*" in the list: every one.
  bool forward_betas_set = false;
  std::vector<std::string> forward_betas;
  /// The tiers this upstream serves (an empty tier is not served here) and their models.
  ModelMap models;
  /// connect, first_byte and idle apply to this upstream; `total` is the profile's.
  Timeouts timeouts;

  /// The first key, or "" without keys.
  const std::string& first_key() const {
    static const std::string kNone;
    return api_keys.empty() ? kNone : api_keys.front();
  }
};

enum class BalanceStrategy {
  priority,     // in profile order
  round_robin,  // new sessions rotate across the upstreams
  random,       // new sessions pick an upstream at random
};

/// How requests spread over the pool, and how long a failed upstream or key sits out.
struct Balance {
  BalanceStrategy strategy = BalanceStrategy::priority;
  std::chrono::milliseconds cooldown{60'000};
};

struct WorkerConfig {
  std::string profile;       // profile name (file stem)
  std::string display_name;  // for status output; may be empty
  std::string host = "127.0.0.1";
  uint16_t port = 0;  // 0: pick a free port (tests); the bound port is logged and in /health
  /// When non-empty, clients must send it as x-api-key or Authorization: Bearer.
  std::string client_api_key;
  /// The pool, in profile order (at least one). A profile with the single `[upstream]` and
  /// `[models]` tables is a pool of one.
  std::vector<UpstreamConfig> upstreams;
  Balance balance;
  RoutingSettings routing;
  Timeouts timeouts;  // the profile's; each upstream has its own copy (total is used from here)
  RetryPolicy retry;
  TokenLimits max_tokens;
  std::size_t max_body_bytes = 32u << 20;
  /// How long open streams may run on after SIGTERM before they are cut.
  std::chrono::milliseconds shutdown_grace{10'000};
};

}  // namespace ccproxy::worker
