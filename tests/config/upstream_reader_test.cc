#include <gtest/gtest.h>

#include "config/load_fleet.h"
#include "config/upstream_reader.h"
#include "temp_home.h"

namespace ccproxy::config {
namespace {

using std::chrono::milliseconds;
using testing::all_problems;
using testing::has_problem;
using testing::TempHome;

const char* const kPool = R"toml(port = 8082
[[upstreams]]
name = "requesty"
base_url = "https://router.requesty.ai/v1"
api_keys = ["sk-key-a-0001", "${KEY_B}"]
[upstreams.headers]
"User-Agent" = "Mozilla/5.0"
[upstreams.models]
big = "zai/GLM-4.6"
small = "zai/GLM-4.5-Air"
[upstreams.timeouts]
first_byte_s = 30

[[upstreams]]
name = "zai"
base_url = "https://api.z.ai/api/anthropic"
format = "anthropic"
api_key = "sk-zai-0002"
[upstreams.models]
big = "glm-4.6"

[balance]
strategy = "round-robin"
cooldown_s = 45

[timeouts]
connect_s = 3
)toml";

Fleet load(TempHome& h, const std::string& profile, const std::string& shared = "") {
  if (!shared.empty()) {
    h.write("ccproxy.toml", shared);
  }
  h.write("profiles/p.toml", profile);
  Environment env;
  env.set("KEY_B", "sk-key-b-0003");
  return load_fleet(h.home(), env);
}

TEST(UpstreamReader, ReadsAPool) {
  TempHome h;
  Fleet fleet = load(h, kPool,
                     "[defaults.upstream]\nproxy = \"http://proxy.local:3128\"\n"
                     "[defaults.upstream.headers]\n\"User-Agent\" = \"shared\"\n"
                     "Accept = \"application/json\"\n");
  ASSERT_TRUE(fleet.ok()) << all_problems(fleet);
  const worker::WorkerConfig& w = fleet.profiles.at(0).worker;
  ASSERT_EQ(w.upstreams.size(), 2u);
  const auto& a = w.upstreams[0];
  EXPECT_EQ(a.name, "requesty");
  EXPECT_EQ(a.api_keys, (std::vector<std::string>{"sk-key-a-0001", "sk-key-b-0003"}));
  EXPECT_EQ(a.format, worker::UpstreamFormat::openai);
  EXPECT_EQ(a.models.big, "zai/GLM-4.6");
  EXPECT_EQ(a.models.middle, "");  // not served here
  EXPECT_EQ(a.models.small, "zai/GLM-4.5-Air");
  EXPECT_EQ(a.timeouts.first_byte, milliseconds(30'000));
  EXPECT_EQ(a.timeouts.connect, milliseconds(3'000));  // the profile's
  EXPECT_EQ(a.proxy, "http://proxy.local:3128");       // [defaults.upstream]
  // The entry's User-Agent replaces the shared one; Accept is inherited.
  EXPECT_EQ(a.headers, (std::vector<std::pair<std::string, std::string>>{
                           {"Accept", "application/json"}, {"User-Agent", "Mozilla/5.0"}}));
  const auto& b = w.upstreams[1];
  EXPECT_EQ(b.name, "zai");
  EXPECT_EQ(b.format, worker::UpstreamFormat::anthropic);
  EXPECT_EQ(b.api_keys, (std::vector<std::string>{"sk-zai-0002"}));
  EXPECT_EQ(b.timeouts.first_byte, w.timeouts.first_byte);
  EXPECT_EQ(w.balance.strategy, worker::BalanceStrategy::round_robin);
  EXPECT_EQ(w.balance.cooldown, milliseconds(45'000));
}

TEST(UpstreamReader, SingleUpstreamIsAPoolOfOneNamedAfterItsHost) {
  TempHome h;
  Fleet fleet = load(h, testing::minimal_profile(9001));
  ASSERT_TRUE(fleet.ok()) << all_problems(fleet);
  const auto& w = fleet.profiles.at(0).worker;
  ASSERT_EQ(w.upstreams.size(), 1u);
  EXPECT_EQ(w.upstreams[0].name, "router.example");
  EXPECT_EQ(w.upstreams[0].models.small, "vendor/model");
  EXPECT_EQ(w.balance.strategy, worker::BalanceStrategy::priority);
  EXPECT_EQ(w.balance.cooldown, milliseconds(60'000));
  EXPECT_EQ(host_name_of("http://127.0.0.1:8080/v1"), "127.0.0.1:8080");
  EXPECT_EQ(host_name_of("https://api.z.ai"), "api.z.ai");
}

TEST(UpstreamReader, CheckErrors) {
  TempHome h;
  Fleet fleet = load(h, R"toml(port = 8082
[upstream]
base_url = "https://a.example"
[[upstreams]]
base_url = "https://b.example"
[upstreams.models]
big = "m"
)toml");
  EXPECT_TRUE(has_problem(fleet,
                          "profiles/p.toml:2: upstream: [upstream] and [[upstreams]] are both "
                          "given: make it one [[upstreams]] entry of the pool"))
      << all_problems(fleet);

  fleet = load(h, R"toml(port = 8082
[[upstreams]]
name = "a"
base_url = "https://a.example"
api_keys = []
[upstreams.models]
small = "s"
[[upstreams]]
name = "a"
base_url = "https://b.example"
api_key = "k"
api_keys = ["k2"]
[upstreams.models]
middle = "m"
[[upstreams]]
name = "c d"
base_url = "https://c.example"
[balance]
strategy = "fastest"
)toml");
  EXPECT_EQ(all_problems(fleet),
            "profiles/p.toml:2: upstreams: no upstream serves big (opus and unknown models): "
            "give one of them [upstreams.models] big\n"
            "profiles/p.toml:5: upstreams[0].api_keys: empty key list (leave api_keys out for "
            "an upstream without keys)\n"
            "profiles/p.toml:9: upstreams[1].name: 'a' names an earlier upstream too (line 3); "
            "give each [[upstreams]] its own name\n"
            "profiles/p.toml:12: upstreams[1].api_keys: give api_key or api_keys, not both\n"
            "profiles/p.toml:15: upstreams[2].models: serves no tier: give [upstreams.models] "
            "big, middle or small\n"
            "profiles/p.toml:16: upstreams[2].name: 1 to 64 letters, digits, '-', '_' or '.'\n"
            "profiles/p.toml:19: balance.strategy: 'fastest' is not one of priority, "
            "round-robin, random\n")
      << all_problems(fleet);
}

TEST(UpstreamReader, ModelsBelongToEachUpstreamInAPool) {
  TempHome h;
  Fleet fleet = load(h, R"toml(port = 8082
[models]
big = "m"
[[upstreams]]
base_url = "https://a.example"
api_keys = ["k", 3]
[upstreams.models]
big = "m"
bigg = "x"
)toml");
  EXPECT_EQ(all_problems(fleet),
            "profiles/p.toml:2: models: with [[upstreams]] each upstream has its own "
            "[upstreams.models]\n"
            "profiles/p.toml:6: upstreams[0].api_keys: item 2: expected a string, got an integer\n"
            "profiles/p.toml:9: upstreams[0].models.bigg: unknown key (did you mean big?)\n")
      << all_problems(fleet);
}

}  // namespace
}  // namespace ccproxy::config
