#include "worker/upstream/pool.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

namespace ccproxy::worker {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using Clock = UpstreamPool::Clock;
using Order = std::vector<std::size_t>;

UpstreamConfig upstream(std::string name, std::vector<std::string> keys, std::string big,
                        std::string small = "") {
  UpstreamConfig u;
  u.name = std::move(name);
  u.api_keys = std::move(keys);
  u.models.big = std::move(big);
  u.models.small = std::move(small);
  return u;
}

/// A pool over a fake clock that the test moves by hand.
struct Fixture {
  Clock::time_point now = Clock::time_point() + std::chrono::hours(1);
  double random = 0;
  UpstreamPool pool;

  explicit Fixture(std::vector<UpstreamConfig> upstreams, Balance balance = {})
      : pool(
            upstreams, balance, [this] { return now; }, [this] { return random; }) {}

  Order order(Tier tier = Tier::big, std::string_view session = "") {
    return pool.candidates(tier, false, session).order;
  }
  UpstreamPool::Attempt begin(std::size_t upstream, std::string_view session = "") {
    auto a = pool.begin(upstream, session, false);
    EXPECT_TRUE(a.has_value());
    return a.value_or(UpstreamPool::Attempt{});
  }
  void fail(std::size_t upstream, FailureScope scope = FailureScope::upstream) {
    pool.failed(begin(upstream), scope, std::nullopt, "HTTP 503");
  }
  UpstreamState state(std::size_t upstream) const { return pool.status()[upstream].state; }
};

Balance cooldown(milliseconds d, BalanceStrategy s = BalanceStrategy::priority) {
  return Balance{s, d};
}

TEST(UpstreamPool, PriorityKeepsProfileOrder) {
  Fixture f({upstream("a", {"ka"}, "m"), upstream("b", {"kb"}, "m"), upstream("c", {}, "m")});
  EXPECT_EQ(f.order(), (Order{0, 1, 2}));
  EXPECT_EQ(f.order(), (Order{0, 1, 2}));
}

TEST(UpstreamPool, RoundRobinRotatesAndRandomShuffles) {
  Fixture rr({upstream("a", {}, "m"), upstream("b", {}, "m"), upstream("c", {}, "m")},
             cooldown(seconds(60), BalanceStrategy::round_robin));
  EXPECT_EQ(rr.order(), (Order{0, 1, 2}));
  EXPECT_EQ(rr.order(), (Order{1, 2, 0}));
  EXPECT_EQ(rr.order(), (Order{2, 0, 1}));
  Fixture rnd({upstream("a", {}, "m"), upstream("b", {}, "m"), upstream("c", {}, "m")},
              cooldown(seconds(60), BalanceStrategy::random));
  rnd.random = 0;  // every swap with the first: a fixed permutation, each member once
  Order o = rnd.order();
  EXPECT_EQ(o, (Order{1, 2, 0}));
  rnd.random = 0.99;  // every swap with itself: profile order
  EXPECT_EQ(rnd.order(), (Order{0, 1, 2}));
}

TEST(UpstreamPool, TierSelectsServersAndFallsBack) {
  Fixture f({upstream("a", {}, "big-a"), upstream("b", {}, "big-b", "small-b")});
  EXPECT_EQ(f.order(Tier::small), (Order{1}));
  // Nobody serves middle (or vision): those requests go to the big servers.
  EXPECT_EQ(f.order(Tier::middle), (Order{0, 1}));
  EXPECT_EQ(f.order(Tier::vision), (Order{0, 1}));
  // A client model passed through unchanged: every upstream.
  Fixture g({upstream("a", {}, "big-a", "small-a"), upstream("b", {}, "", "small-b")});
  EXPECT_EQ(g.order(Tier::big), (Order{0}));
  EXPECT_EQ(g.pool.candidates(Tier::big, true, "").order, (Order{0, 1}));
}

TEST(UpstreamPool, FailedUpstreamSitsOutItsCooldownThenOneProbe) {
  Fixture f({upstream("a", {"ka"}, "m"), upstream("b", {"kb"}, "m")}, cooldown(seconds(60)));
  f.fail(0);
  EXPECT_EQ(f.order(), (Order{1}));
  EXPECT_EQ(f.state(0), UpstreamState::cooldown);
  EXPECT_NEAR(f.pool.status()[0].cooldown_left_s, 60, 0.01);
  EXPECT_EQ(f.pool.status()[0].last_error, "HTTP 503");
  EXPECT_FALSE(f.pool.begin(0, "", false).has_value());  // nothing is sent to it while it cools
  f.now += seconds(59);
  EXPECT_EQ(f.order(), (Order{1}));
  f.now += seconds(1);
  EXPECT_EQ(f.order(), (Order{0, 1}));
  EXPECT_EQ(f.state(0), UpstreamState::probing);
  // Half-open: one request probes it; meanwhile others leave it alone.
  auto probe = f.begin(0);
  EXPECT_TRUE(probe.probe);
  EXPECT_EQ(f.order(), (Order{1}));
  EXPECT_FALSE(f.pool.begin(0, "", false).has_value());
  f.pool.succeeded(probe, "");
  EXPECT_EQ(f.state(0), UpstreamState::ok);
  EXPECT_EQ(f.order(), (Order{0, 1}));
  EXPECT_FALSE(f.begin(0).probe);
}

TEST(UpstreamPool, FailedProbeCoolsAgainAndReleasedProbeIsGivenBack) {
  Fixture f({upstream("a", {}, "m"), upstream("b", {}, "m")}, cooldown(seconds(10)));
  f.fail(0);
  f.now += seconds(10);
  auto probe = f.begin(0);
  ASSERT_TRUE(probe.probe);
  f.pool.released(probe);  // the client left: the next request probes
  probe = f.begin(0);
  ASSERT_TRUE(probe.probe);
  f.pool.failed(probe, FailureScope::upstream, std::nullopt, "connect refused");
  EXPECT_EQ(f.order(), (Order{1}));
  EXPECT_EQ(f.state(0), UpstreamState::cooldown);
  EXPECT_EQ(f.pool.status()[0].failures, 2u);
  EXPECT_EQ(f.pool.status()[0].requests, 3u);
}

TEST(UpstreamPool, RetryAfterSetsTheCooldown) {
  Fixture f({upstream("a", {"k1"}, "m"), upstream("b", {}, "m")}, cooldown(seconds(60)));
  f.pool.failed(f.begin(0), FailureScope::key, milliseconds(5'000), "HTTP 429");
  EXPECT_EQ(f.order(), (Order{1}));
  EXPECT_NEAR(f.pool.status()[0].cooldown_left_s, 5, 0.01);
  EXPECT_EQ(f.pool.status()[0].keys_ok, 0u);
  f.now += seconds(5);
  EXPECT_EQ(f.order(), (Order{0, 1}));
  EXPECT_EQ(f.pool.status()[0].keys_ok, 1u);
}

TEST(UpstreamPool, AllCoolingTriesTheLeastRecentlyFailed) {
  Fixture f({upstream("a", {}, "m"), upstream("b", {}, "m")}, cooldown(seconds(60)));
  f.fail(1);
  f.now += seconds(1);
  f.fail(0);
  auto c = f.pool.candidates(Tier::big, false, "");
  EXPECT_TRUE(c.forced);
  EXPECT_EQ(c.order, (Order{1}));
  auto a = f.pool.begin(1, "", true);
  ASSERT_TRUE(a.has_value());
  f.pool.succeeded(*a, "");
  EXPECT_EQ(f.state(1), UpstreamState::ok);
  EXPECT_FALSE(f.pool.candidates(Tier::big, false, "").forced);
}

TEST(UpstreamPool, KeysRotateAcrossSessionsAndCoolAlone) {
  Fixture f({upstream("a", {"k0", "k1", "k2"}, "m")}, cooldown(seconds(30)));
  std::vector<std::size_t> keys;
  for (const char* s : {"s1", "s2", "s3", "s4"}) {
    auto a = f.begin(0, s);
    keys.push_back(a.key);
    f.pool.succeeded(a, s);
  }
  EXPECT_EQ(keys, (std::vector<std::size_t>{0, 1, 2, 0}));
  // A session stays on its key.
  for (int i = 0; i < 3; ++i) {
    auto a = f.begin(0, "s2");
    EXPECT_EQ(a.key, 1u);
    f.pool.succeeded(a, "s2");
  }
  // That key is refused (429): it sits out, the upstream stays ok, the session moves key.
  auto a = f.begin(0, "s2");
  EXPECT_TRUE(f.pool.has_other_key(0, a.key));
  f.pool.failed(a, FailureScope::key, std::nullopt, "HTTP 429");
  EXPECT_EQ(f.state(0), UpstreamState::ok);
  EXPECT_EQ(f.pool.status()[0].keys_ok, 2u);
  EXPECT_EQ(f.pool.status()[0].keys_total, 3u);
  auto b = f.begin(0, "s2");
  EXPECT_NE(b.key, 1u);
  f.pool.succeeded(b, "s2");
  EXPECT_EQ(f.begin(0, "s2").key, b.key);
}

TEST(UpstreamPool, ACooledKeyComesBackThroughOneProbe) {
  Fixture f({upstream("a", {"k0", "k1"}, "m")}, cooldown(seconds(30)));
  auto a = f.begin(0, "s1");
  ASSERT_EQ(a.key, 0u);
  f.pool.failed(a, FailureScope::key, std::nullopt, "HTTP 429");
  // While it cools, every session gets the other key.
  EXPECT_EQ(f.begin(0, "s2").key, 1u);
  f.now += seconds(31);
  // After the cooldown one request probes it; meanwhile no other request gets it.
  auto probe = f.begin(0, "s1");
  EXPECT_EQ(probe.key, 0u);
  EXPECT_TRUE(probe.key_probe);
  for (const char* s : {"s3", "s4"}) {
    auto other = f.begin(0, s);
    EXPECT_EQ(other.key, 1u) << s;
    EXPECT_FALSE(other.key_probe);
    f.pool.succeeded(other, s);
  }
  // A failed probe cools it again.
  f.pool.failed(probe, FailureScope::key, std::nullopt, "HTTP 429");
  EXPECT_EQ(f.pool.status()[0].keys_ok, 1u);
  f.now += seconds(31);
  // A released probe is given back (the key can be probed again); then a successful probe
  // puts the key back for everyone. Key 1 serves the sessions that rotation gives it.
  auto given_back = f.begin(0, "s1");
  ASSERT_EQ(given_back.key, 0u);
  ASSERT_TRUE(given_back.key_probe);
  f.pool.released(given_back);
  std::optional<UpstreamPool::Attempt> second;
  for (int i = 0; i < 2 && !second; ++i) {
    auto a = f.begin(0, "s" + std::to_string(10 + i));
    if (a.key == 0) {
      second = a;
    } else {
      f.pool.succeeded(a, "s" + std::to_string(10 + i));
    }
  }
  ASSERT_TRUE(second.has_value());
  EXPECT_TRUE(second->key_probe);
  f.pool.succeeded(*second, "s1");
  auto after = f.begin(0, "s1");
  EXPECT_EQ(after.key, 0u);
  EXPECT_FALSE(after.key_probe);
  EXPECT_EQ(f.pool.status()[0].keys_ok, 2u);
}

TEST(UpstreamPool, SessionStaysOnItsUpstreamWhileHealthy) {
  Fixture f({upstream("a", {"ka"}, "m"), upstream("b", {"kb"}, "m")}, cooldown(seconds(60)));
  f.fail(0);
  auto on_b = f.begin(1, "sess");
  f.pool.succeeded(on_b, "sess");
  f.now += seconds(61);
  f.pool.succeeded(f.begin(0), "other");  // a is back
  // Priority would say a, but the session's prompt cache is on b.
  EXPECT_EQ(f.order(Tier::big, "sess"), (Order{1, 0}));
  EXPECT_EQ(f.order(Tier::big, "new"), (Order{0, 1}));
  // b fails: the session goes where the order says.
  f.fail(1);
  EXPECT_EQ(f.order(Tier::big, "sess"), (Order{0}));
}

TEST(UpstreamPool, RoundRobinSpreadsSessionsThatThenStick) {
  Fixture f({upstream("a", {}, "m"), upstream("b", {}, "m")},
            cooldown(seconds(60), BalanceStrategy::round_robin));
  auto first = f.order(Tier::big, "s1");
  f.pool.succeeded(f.begin(first[0], "s1"), "s1");
  auto second = f.order(Tier::big, "s2");
  f.pool.succeeded(f.begin(second[0], "s2"), "s2");
  EXPECT_NE(first[0], second[0]);
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(f.order(Tier::big, "s1")[0], first[0]);
    EXPECT_EQ(f.order(Tier::big, "s2")[0], second[0]);
  }
}

TEST(UpstreamPool, SessionsAreBounded) {
  Fixture f({upstream("a", {"k0", "k1"}, "m")});
  for (std::size_t i = 0; i < UpstreamPool::kMaxSessions + 10; ++i) {
    f.now += milliseconds(1);
    std::string s = "s" + std::to_string(i);
    f.pool.succeeded(f.begin(0, s), s);
  }
  // The newest session is still known: it keeps its key.
  std::string last = "s" + std::to_string(UpstreamPool::kMaxSessions + 9);
  std::size_t key = f.begin(0, last).key;
  EXPECT_EQ(f.begin(0, last).key, key);
}

TEST(UpstreamPool, KeylessUpstreamReportsNoKeys) {
  Fixture f({upstream("local", {}, "m")});
  auto s = f.pool.status();
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].name, "local");
  EXPECT_EQ(s[0].keys_total, 0u);
  EXPECT_EQ(s[0].keys_ok, 0u);
  EXPECT_STREQ(state_name(s[0].state), "ok");
}

}  // namespace
}  // namespace ccproxy::worker
