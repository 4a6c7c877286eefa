#include "worker/upstream/pool.h"

#include <algorithm>

namespace ccproxy::worker {
namespace {

uint32_t bit(Tier tier) {
  return 1u << static_cast<unsigned>(tier);
}

/// Longer session ids are cut: they only tell sessions apart.
constexpr std::size_t kMaxSessionKey = 160;

}  // namespace

const char* state_name(UpstreamState state) {
  switch (state) {
    case UpstreamState::ok:
      return "ok";
    case UpstreamState::cooldown:
      return "cooldown";
    case UpstreamState::probing:
      return "probing";
  }
  return "ok";
}

UpstreamPool::UpstreamPool(const std::vector<UpstreamConfig>& upstreams, Balance balance, Now now,
                           Random random)
    : balance_(balance), now_(std::move(now)), random_(std::move(random)) {
  members_.reserve(upstreams.size());
  for (const auto& u : upstreams) {
    Member m;
    m.name = u.name;
    for (Tier t : kAllTiers) {
      if (!u.models.model_for(t).empty()) {
        m.serves |= bit(t);
      }
    }
    m.keys.resize(std::max<std::size_t>(1, u.api_keys.size()));
    m.configured_keys = u.api_keys.size();
    members_.push_back(std::move(m));
  }
  choices_ = members_.size() > 1 || (!members_.empty() && members_[0].keys.size() > 1);
}

bool UpstreamPool::key_cooling(const KeyHealth& k, Clock::time_point now) const {
  return now < k.cool_until;
}

bool UpstreamPool::key_unavailable(const KeyHealth& k, Clock::time_point now) const {
  return key_cooling(k, now) || k.probe_out;
}

std::size_t UpstreamPool::keys_ok(const Member& m, Clock::time_point now) const {
  return static_cast<std::size_t>(std::count_if(
      m.keys.begin(), m.keys.end(), [&](const KeyHealth& k) { return !key_cooling(k, now); }));
}

bool UpstreamPool::cooling(const Member& m, Clock::time_point now) const {
  return now < m.cool_until || keys_ok(m, now) == 0;
}

Tier UpstreamPool::served_tier(Tier tier) const {
  auto served = [this](Tier t) {
    return std::any_of(members_.begin(), members_.end(),
                       [t](const Member& m) { return (m.serves & bit(t)) != 0; });
  };
  if (served(tier)) {
    return tier;
  }
  // As the model mapping does: small falls back to middle, middle and the rest to big.
  if (tier == Tier::small && served(Tier::middle)) {
    return Tier::middle;
  }
  return Tier::big;
}

std::vector<std::size_t> UpstreamPool::strategy_order(Tier tier, bool any_tier) {
  std::vector<std::size_t> order;
  order.reserve(members_.size());
  const Tier served = served_tier(tier);
  for (std::size_t i = 0; i < members_.size(); ++i) {
    if (any_tier || (members_[i].serves & bit(served)) != 0) {
      order.push_back(i);
    }
  }
  if (order.empty()) {  // nothing serves big (check refuses such profiles): try them all
    for (std::size_t i = 0; i < members_.size(); ++i) {
      order.push_back(i);
    }
  }
  if (order.size() > 1) {
    if (balance_.strategy == BalanceStrategy::round_robin) {
      std::rotate(order.begin(), order.begin() + static_cast<long>(rotation_++ % order.size()),
                  order.end());
    } else if (balance_.strategy == BalanceStrategy::random) {
      for (std::size_t i = order.size() - 1; i > 0; --i) {
        auto j = static_cast<std::size_t>(random_() * static_cast<double>(i + 1));
        std::swap(order[i], order[std::min(j, i)]);
      }
    }
  }
  return order;
}

const UpstreamPool::Sticky* UpstreamPool::sticky(std::string_view session) const {
  if (!choices_ || session.empty()) {
    return nullptr;
  }
  auto it = sessions_.find(std::string(session.substr(0, kMaxSessionKey)));
  return it == sessions_.end() ? nullptr : &it->second;
}

void UpstreamPool::remember(std::string_view session, const Attempt& attempt,
                            Clock::time_point now) {
  if (!choices_ || session.empty()) {
    return;
  }
  sessions_[std::string(session.substr(0, kMaxSessionKey))] = {attempt.upstream, attempt.key, now};
  if (sessions_.size() <= kMaxSessions) {
    return;
  }
  // Forget the least recently used quarter at once (not one per new session).
  std::vector<Clock::time_point> used;
  used.reserve(sessions_.size());
  for (const auto& [id, s] : sessions_) {
    used.push_back(s.used);
  }
  auto cut = used.begin() + static_cast<long>(used.size() / 4);
  std::nth_element(used.begin(), cut, used.end());
  const Clock::time_point threshold = *cut;
  std::erase_if(sessions_, [&](const auto& entry) { return entry.second.used < threshold; });
}

UpstreamPool::Candidates UpstreamPool::candidates(Tier tier, bool any_tier,
                                                  std::string_view session) {
  const auto now = now_();
  Candidates out;
  std::vector<std::size_t> order = strategy_order(tier, any_tier);
  if (const Sticky* s = sticky(session)) {
    auto it = std::find(order.begin(), order.end(), s->upstream);
    if (it != order.end() && !cooling(members_[s->upstream], now)) {
      std::rotate(order.begin(), it, it + 1);
    }
  }
  out.order.reserve(order.size());
  for (std::size_t i : order) {
    const Member& m = members_[i];
    if (!cooling(m, now) && !m.probe_out) {
      out.order.push_back(i);
    }
  }
  if (!out.order.empty() || order.empty()) {
    return out;
  }
  // Everything cools (or is being probed): the least recently failed one is tried anyway.
  auto least = std::min_element(order.begin(), order.end(), [this](std::size_t a, std::size_t b) {
    return members_[a].last_failed < members_[b].last_failed;
  });
  out.order.push_back(*least);
  out.forced = true;
  return out;
}

std::optional<std::size_t> UpstreamPool::pick_key(Member& m, std::optional<std::size_t> preferred,
                                                  bool forced, Clock::time_point now) {
  const std::size_t n = m.keys.size();
  if (preferred && *preferred < n && !key_unavailable(m.keys[*preferred], now)) {
    return preferred;
  }
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t k = (m.next_key + i) % n;
    if (!key_unavailable(m.keys[k], now)) {
      m.next_key = (k + 1) % n;
      return k;
    }
  }
  if (!forced) {
    return std::nullopt;
  }
  auto least = std::min_element(
      m.keys.begin(), m.keys.end(),
      [](const KeyHealth& a, const KeyHealth& b) { return a.last_failed < b.last_failed; });
  return static_cast<std::size_t>(least - m.keys.begin());
}

std::optional<UpstreamPool::Attempt> UpstreamPool::begin(std::size_t upstream,
                                                         std::string_view session, bool forced) {
  if (upstream >= members_.size()) {
    return std::nullopt;
  }
  const auto now = now_();
  Member& m = members_[upstream];
  if (!forced && (now < m.cool_until || m.probe_out)) {
    return std::nullopt;
  }
  std::optional<std::size_t> preferred;
  if (const Sticky* s = sticky(session); s != nullptr && s->upstream == upstream) {
    preferred = s->key;
  }
  auto key = pick_key(m, preferred, forced, now);
  if (!key) {
    return std::nullopt;
  }
  Attempt attempt{upstream, *key, false, false};
  if (m.needs_probe && !m.probe_out) {
    attempt.probe = true;
    m.probe_out = true;
  }
  if (KeyHealth& k = m.keys[*key]; k.needs_probe && !k.probe_out) {
    attempt.key_probe = true;
    k.probe_out = true;
  }
  ++m.requests;
  return attempt;
}

void UpstreamPool::succeeded(const Attempt& attempt, std::string_view session) {
  Member& m = members_[attempt.upstream];
  if (attempt.probe) {
    m.probe_out = false;
  }
  m.needs_probe = false;
  m.cool_until = {};
  KeyHealth& k = m.keys[attempt.key];
  k.cool_until = {};
  k.needs_probe = false;
  k.probe_out = false;
  remember(session, attempt, now_());
}

void UpstreamPool::failed(const Attempt& attempt, FailureScope scope,
                          std::optional<std::chrono::milliseconds> retry_after, std::string error) {
  const auto now = now_();
  Member& m = members_[attempt.upstream];
  ++m.failures;
  m.last_error = std::move(error);
  m.last_failed = now;
  if (attempt.probe) {
    m.probe_out = false;
  }
  if (attempt.key_probe) {
    m.keys[attempt.key].probe_out = false;
  }
  const auto until =
      now + std::chrono::duration_cast<Clock::duration>(retry_after.value_or(balance_.cooldown));
  if (scope == FailureScope::key) {
    KeyHealth& k = m.keys[attempt.key];
    k.cool_until = until;
    k.last_failed = now;
    k.needs_probe = true;
  } else {
    m.cool_until = until;
    m.needs_probe = true;
  }
}

void UpstreamPool::released(const Attempt& attempt) {
  if (attempt.probe) {
    members_[attempt.upstream].probe_out = false;
  }
  if (attempt.key_probe) {
    members_[attempt.upstream].keys[attempt.key].probe_out = false;
  }
}

bool UpstreamPool::has_other_key(std::size_t upstream, std::size_t key) const {
  const auto now = now_();
  const Member& m = members_[upstream];
  for (std::size_t k = 0; k < m.keys.size(); ++k) {
    if (k != key && !key_cooling(m.keys[k], now)) {
      return true;
    }
  }
  return false;
}

std::vector<UpstreamStatus> UpstreamPool::status() const {
  const auto now = now_();
  std::vector<UpstreamStatus> out;
  out.reserve(members_.size());
  for (const Member& m : members_) {
    UpstreamStatus s;
    s.name = m.name;
    s.keys_total = m.configured_keys;
    s.keys_ok = std::min(keys_ok(m, now), m.configured_keys);
    s.last_error = m.last_error;
    s.requests = m.requests;
    s.failures = m.failures;
    if (cooling(m, now)) {
      s.state = UpstreamState::cooldown;
      Clock::time_point until = m.cool_until;
      if (keys_ok(m, now) == 0) {  // back when its first key is
        auto first = std::min_element(
            m.keys.begin(), m.keys.end(),
            [](const KeyHealth& a, const KeyHealth& b) { return a.cool_until < b.cool_until; });
        until = std::max(until, first->cool_until);
      }
      s.cooldown_left_s = std::chrono::duration<double>(until - now).count();
    } else if (m.needs_probe || m.probe_out) {
      s.state = UpstreamState::probing;
    }
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace ccproxy::worker
