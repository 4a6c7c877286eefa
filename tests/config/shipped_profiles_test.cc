// The profiles shipped in the repository's profiles/ load and validate.

#include <gtest/gtest.h>

#include "config/load_fleet.h"
#include "temp_home.h"

namespace ccproxy::config {
namespace {

using testing::all_problems;
using testing::TempHome;

// A copy of the repository's profiles/ in a fresh home, so a developer's own ccproxy.toml or
// .env in the checkout cannot change the outcome.
void copy_shipped_profiles(const TempHome& h) {
  const std::filesystem::path src = std::filesystem::path(CCPROXY_SOURCE_DIR) / "profiles";
  for (const auto& entry : std::filesystem::directory_iterator(src)) {
    if (entry.path().extension() == ".toml") {
      std::filesystem::copy_file(entry.path(), h.root() / "profiles" / entry.path().filename(),
                                 std::filesystem::copy_options::overwrite_existing);
    }
  }
}

TEST(ShippedProfiles, LoadWithTheRequestyKey) {
  TempHome h;
  copy_shipped_profiles(h);
  Environment env;
  env.set("REQUESTY_API_KEY", "sk-requesty-test-0000");
  Fleet fleet = load_fleet(h.home(), env);
  ASSERT_TRUE(fleet.ok()) << all_problems(fleet);
  struct Expect {
    const char* name;
    uint16_t port;
    const char* model;
  };
  const Expect expected[] = {{"kimi", 8081, "groq/moonshotai/Kimi-K2-Instruct-0905"},
                             {"glm", 8082, "zai/GLM-4.6"},
                             {"minimax", 8083, "minimaxi/MiniMax-M2"},
                             {"gemini", 8084, "google/gemini-2.5-flash"}};
  ASSERT_EQ(fleet.profiles.size(), 4u);
  for (std::size_t i = 0; i < 4; ++i) {
    const Profile& p = fleet.profiles[i];
    const auto& w = p.worker;
    EXPECT_EQ(p.name, expected[i].name);
    EXPECT_EQ(w.port, expected[i].port);
    EXPECT_EQ(w.host, "127.0.0.1");
    EXPECT_EQ(w.upstreams[0].models.big, expected[i].model);
    EXPECT_EQ(w.upstreams[0].models.middle, expected[i].model);
    EXPECT_EQ(w.upstreams[0].models.small, expected[i].model);
    EXPECT_EQ(w.upstreams[0].base_url, "https://router.requesty.ai/v1");
    EXPECT_EQ(w.upstreams[0].first_key(), "sk-requesty-test-0000");
    EXPECT_EQ(w.upstreams[0].format, worker::UpstreamFormat::openai);
    EXPECT_NE(w.upstreams[0].provider, worker::Provider::automatic) << p.name;  // stated
    std::vector<std::pair<std::string, std::string>> headers = {
        {"Accept", "application/json"},
        {"User-Agent", "Mozilla/5.0 (compatible; ClaudeCodeProxy/1.0)"}};
    EXPECT_EQ(w.upstreams[0].headers, headers);
  }
}

TEST(ShippedProfiles, WithoutTheKeyEveryProfileSaysWhatIsMissing) {
  TempHome h;
  copy_shipped_profiles(h);
  Fleet fleet = load_fleet(h.home(), Environment{});
  EXPECT_TRUE(fleet.profiles.empty());
  ASSERT_EQ(fleet.problems.size(), 4u) << all_problems(fleet);
  for (const auto& p : fleet.problems) {
    EXPECT_EQ(p.key, "upstream.api_key");
    EXPECT_EQ(p.message, "variable REQUESTY_API_KEY is not set (environment or .env)");
    EXPECT_GT(p.line, 0);
  }
}

TEST(ShippedProfiles, ExampleCcproxyTomlIsValidAndShortensProfiles) {
  TempHome h;
  std::filesystem::copy_file(std::filesystem::path(CCPROXY_SOURCE_DIR) / "ccproxy.toml.example",
                             h.root() / "ccproxy.toml");
  h.write("profiles/glm.toml", "port = 8082\n[models]\nbig = \"zai/GLM-4.6\"\n");
  Environment env;
  env.set("REQUESTY_API_KEY", "sk-requesty-test-0000");
  Fleet fleet = load_fleet(h.home(), env);
  ASSERT_TRUE(fleet.ok()) << all_problems(fleet);
  const auto& w = fleet.profiles.at(0).worker;
  EXPECT_EQ(w.upstreams[0].base_url, "https://router.requesty.ai/v1");
  EXPECT_EQ(w.upstreams[0].first_key(), "sk-requesty-test-0000");
  EXPECT_EQ(w.upstreams[0].headers.size(), 2u);
  // The example spells out the built-in defaults; they must agree with the structs.
  EXPECT_EQ(fleet.logs.rotate_bytes, LogSettings{}.rotate_bytes);
  EXPECT_EQ(fleet.logs.retention_days, LogSettings{}.retention_days);
  EXPECT_EQ(fleet.logs.max_total_bytes, LogSettings{}.max_total_bytes);
  EXPECT_EQ(fleet.supervisor.start_timeout, SupervisorSettings{}.start_timeout);
  EXPECT_EQ(fleet.supervisor.failure_window, SupervisorSettings{}.failure_window);
  EXPECT_EQ(fleet.supervisor.max_failures, SupervisorSettings{}.max_failures);
}

}  // namespace
}  // namespace ccproxy::config
