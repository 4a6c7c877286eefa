#pragma once
// The upstream pool's decisions, as pure logic with an injected clock and random source: which
// upstreams may serve a request and in what order, which key an attempt uses, and what a
// success or a failure does to an upstream's or a key's health (cooldown, half-open probe).
// Sessions stick to the upstream and key they last succeeded on while those stay healthy, so
// the provider's prompt cache keeps working. No sockets, no timers: the messages handler calls
// it around each attempt.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "worker/worker_config.h"

namespace ccproxy::worker {

/// How an upstream looks from outside (status, /health, /metrics).
enum class UpstreamState { ok, cooldown, probing };
const char* state_name(UpstreamState state);

struct UpstreamStatus {
  std::string name;
  UpstreamState state = UpstreamState::ok;
  double cooldown_left_s = 0;
  std::size_t keys_ok = 0;
  std::size_t keys_total = 0;
  std::string last_error;  // "" when it never failed
  uint64_t requests = 0;   // attempts sent to it
  uint64_t failures = 0;   // attempts that failed (and streams broken after they started)
};

/// What a failed attempt says about whom.
enum class FailureScope {
  upstream,  // connection, TLS, timeout, 5xx, a broken stream: the upstream sits out
  key,       // 401/402/403/429: the key that was used sits out
};

class UpstreamPool {
 public:
  using Clock = std::chrono::steady_clock;
  using Now = std::function<Clock::time_point()>;
  /// Uniform in [0, 1).
  using Random = std::function<double()>;

  /// One attempt: the upstream and key it uses. Every begun attempt ends in exactly one of
  /// succeeded, failed or released.
  struct Attempt {
    std::size_t upstream = 0;
    std::size_t key = 0;
    bool probe = false;      // the upstream's half-open probe after a cooldown
    bool key_probe = false;  // the key's half-open probe after its cooldown
  };

  UpstreamPool(const std::vector<UpstreamConfig>& upstreams, Balance balance, Now now,
               Random random);

  /// The upstreams to try for a request of `tier`, in order: those that serve it (small falls
  /// back to middle, then big, and the routing tiers to big, when no upstream serves them; with
  /// `any_tier` every upstream), in strategy order, the session's own upstream first while it
  /// is healthy, cooling upstreams left out. When all of them cool, the one that failed least
  /// recently (it is tried anyway: a request is never refused without trying).
  struct Candidates {
    std::vector<std::size_t> order;
    /// Every upstream that serves the request cools: `order` holds the least recently failed
    /// one, to be begun with `forced`.
    bool forced = false;
  };
  Candidates candidates(Tier tier, bool any_tier, std::string_view session);

  /// Starts an attempt on `upstream` with the session's key when it is healthy, else the next
  /// key in rotation. nullopt when it must not be used now: it cools (unless `forced`), its
  /// half-open probe is already out, or every key cools (unless `forced`).
  std::optional<Attempt> begin(std::size_t upstream, std::string_view session, bool forced);
  /// 2xx: the upstream (and key) are healthy; the session sticks to them.
  void succeeded(const Attempt& attempt, std::string_view session);
  /// The attempt failed in a way that counts: the upstream or its key sits out the cooldown
  /// (`retry_after` replaces it when given). `error` is shown by status (no secrets in it).
  void failed(const Attempt& attempt, FailureScope scope,
              std::optional<std::chrono::milliseconds> retry_after, std::string error);
  /// The attempt ended without saying anything about the upstream's health (the client left,
  /// or the upstream refused the request itself as bad): a probe is given back.
  void released(const Attempt& attempt);
  /// Whether `upstream` has a key other than `key` that is not cooling.
  bool has_other_key(std::size_t upstream, std::size_t key) const;

  std::size_t size() const { return members_.size(); }
  const std::string& name(std::size_t upstream) const { return members_[upstream].name; }
  std::vector<UpstreamStatus> status() const;

  /// Sessions remembered at most (the least recently used ones are forgotten first).
  static constexpr std::size_t kMaxSessions = 4096;

 private:
  struct KeyHealth {
    Clock::time_point cool_until{};
    Clock::time_point last_failed{};
    bool needs_probe = false;  // failed; the first attempt after its cooldown is a probe
    bool probe_out = false;
  };
  struct Member {
    std::string name;
    uint32_t serves = 0;  // bit per Tier
    Clock::time_point cool_until{};
    Clock::time_point last_failed{};
    bool needs_probe = false;  // failed; the next attempt after the cooldown is a probe
    bool probe_out = false;
    std::string last_error;
    std::vector<KeyHealth> keys;  // at least one entry (an upstream without keys has one "")
    std::size_t configured_keys = 0;
    std::size_t next_key = 0;
    uint64_t requests = 0;
    uint64_t failures = 0;
  };
  struct Sticky {
    std::size_t upstream = 0;
    std::size_t key = 0;
    Clock::time_point used{};
  };

  bool cooling(const Member& m, Clock::time_point now) const;
  bool key_cooling(const KeyHealth& k, Clock::time_point now) const;
  /// Cooling, or its half-open probe is out: not to be picked unless forced.
  bool key_unavailable(const KeyHealth& k, Clock::time_point now) const;
  std::size_t keys_ok(const Member& m, Clock::time_point now) const;
  /// The tier whose servers a request of `tier` goes to.
  Tier served_tier(Tier tier) const;
  std::vector<std::size_t> strategy_order(Tier tier, bool any_tier);
  const Sticky* sticky(std::string_view session) const;
  void remember(std::string_view session, const Attempt& attempt, Clock::time_point now);
  std::optional<std::size_t> pick_key(Member& m, std::optional<std::size_t> preferred, bool forced,
                                      Clock::time_point now);

  std::vector<Member> members_;
  Balance balance_;
  Now now_;
  Random random_;
  std::size_t rotation_ = 0;  // round-robin start
  /// Whether choosing matters (more than one upstream or key): a pool of one with one key
  /// keeps no sessions.
  bool choices_ = false;
  std::unordered_map<std::string, Sticky> sessions_;
};

}  // namespace ccproxy::worker
