#include "config/legacy_env.h"

#include <gtest/gtest.h>

#include "config/load_fleet.h"
#include "temp_home.h"

namespace ccproxy::config {
namespace {

using testing::all_problems;
using testing::TempHome;

// A legacy file as users have them: comments, quotes of both kinds, inline comments, custom
// headers, a literal key, an unsupported variable.
const char* kLegacyGlm = R"env(# GLM through Requesty
OPENAI_API_KEY="sk-or-v1-0123456789abcdefWXYZ"   # literal key
OPENAI_BASE_URL=https://router.requesty.ai/v1
export BIG_MODEL='zai/GLM-4.6'
MIDDLE_MODEL=zai/GLM-4.6 # same model
SMALL_MODEL="zai/GLM-4.6"
PORT=8082
HOST=127.0.0.1
ANTHROPIC_API_KEY='client-key-abcdef123456'
LOG_LEVEL=WARNING
MAX_TOKENS_LIMIT=65536
MIN_TOKENS_LIMIT=100
REQUEST_TIMEOUT=90
MAX_RETRIES=3
CUSTOM_HEADER_USER_AGENT="Mozilla/5.0 (compatible; ClaudeCodeProxy/1.0)"
CUSTOM_HEADER_ACCEPT=application/json
CUSTOM_HEADER_X_TITLE="cost $5 #1"
AZURE_API_VERSION=2024-02-01
)env";

bool contains(const std::vector<std::string>& lines, const std::string& needle) {
  for (const auto& l : lines) {
    if (l.find(needle) != std::string::npos) {
      return true;
    }
  }
  return false;
}

TEST(LegacyEnv, ProfileNames) {
  EXPECT_EQ(profile_name_for_legacy_file(".env-requesty-glm"), "glm");
  EXPECT_EQ(profile_name_for_legacy_file(".env-kimi"), "kimi");
  EXPECT_EQ(profile_name_for_legacy_file(".env.minimax"), "minimax");
  EXPECT_EQ(profile_name_for_legacy_file(".env_gemini"), "gemini");
  EXPECT_EQ(profile_name_for_legacy_file("glm.env"), "glm");
  EXPECT_EQ(profile_name_for_legacy_file("openrouter"), "openrouter");
  EXPECT_EQ(profile_name_for_legacy_file(".env"), std::nullopt);
  EXPECT_EQ(profile_name_for_legacy_file(".env-requesty-"), "requesty-");
}

TEST(LegacyEnv, HeaderNames) {
  EXPECT_EQ(legacy_header_name("USER_AGENT"), "User-Agent");
  EXPECT_EQ(legacy_header_name("ACCEPT"), "Accept");
  EXPECT_EQ(legacy_header_name("X_API_VERSION"), "X-Api-Version");
  EXPECT_EQ(legacy_header_name("HTTP_REFERER"), "Http-Referer");
}

TEST(LegacyEnv, RealisticFileRoundTripsThroughLoadFleet) {
  LegacyImport r = convert_legacy_env(kLegacyGlm, ".env-requesty-glm", nullptr);
  ASSERT_TRUE(r.errors.empty()) << r.errors.front();
  EXPECT_TRUE(r.has_literal_secret);
  EXPECT_TRUE(contains(r.warnings, "OPENAI_API_KEY: copied a literal key (sk-…WXYZ)"));
  EXPECT_TRUE(contains(r.warnings,
                       "put REQUESTY_API_KEY=... in the home's .env and write "
                       "upstream.api_key = \"${REQUESTY_API_KEY}\""));
  EXPECT_TRUE(contains(r.warnings, "ANTHROPIC_API_KEY: copied a literal key"));
  EXPECT_TRUE(contains(r.warnings, "client_api_key = \"${CCPROXY_CLIENT_KEY}\""));
  EXPECT_TRUE(contains(r.warnings, "AZURE_API_VERSION has no ccproxy equivalent; not copied"));
  for (const auto& w : r.warnings) {
    EXPECT_EQ(w.find("0123456789abcdef"), std::string::npos) << w;
    EXPECT_EQ(w.find("client-key-abc"), std::string::npos) << w;
  }

  TempHome h;
  h.write("profiles/glm.toml", r.toml);
  Fleet fleet = load_fleet(h.home(), Environment{});
  ASSERT_TRUE(fleet.ok()) << all_problems(fleet) << r.toml;
  const auto& w = fleet.profiles.at(0).worker;
  EXPECT_EQ(w.port, 8082);
  EXPECT_EQ(w.host, "127.0.0.1");
  EXPECT_EQ(w.client_api_key, "client-key-abcdef123456");
  EXPECT_EQ(w.upstreams[0].base_url, "https://router.requesty.ai/v1");
  EXPECT_EQ(w.upstreams[0].first_key(), "sk-or-v1-0123456789abcdefWXYZ");
  EXPECT_EQ(w.upstreams[0].format, worker::UpstreamFormat::openai);
  EXPECT_EQ(w.upstreams[0].models.big, "zai/GLM-4.6");
  EXPECT_EQ(w.upstreams[0].models.middle, "zai/GLM-4.6");
  EXPECT_EQ(w.upstreams[0].models.small, "zai/GLM-4.6");
  EXPECT_EQ(fleet.profiles[0].log_level, "warn");
  EXPECT_EQ(w.max_tokens.max, 65536);
  EXPECT_EQ(w.max_tokens.min, 100);
  EXPECT_EQ(w.timeouts.first_byte, std::chrono::seconds(90));
  EXPECT_EQ(w.timeouts.idle, std::chrono::seconds(90));
  EXPECT_EQ(w.timeouts.total, worker::Timeouts{}.total);
  EXPECT_EQ(w.retry.max_retries, 3);
  std::vector<std::pair<std::string, std::string>> headers = {
      {"User-Agent", "Mozilla/5.0 (compatible; ClaudeCodeProxy/1.0)"},
      {"Accept", "application/json"},
      {"X-Title", "cost $5 #1"}};
  EXPECT_EQ(w.upstreams[0].headers.size(), 3u);
  for (const auto& hdr : headers) {
    EXPECT_NE(std::find(w.upstreams[0].headers.begin(), w.upstreams[0].headers.end(), hdr),
              w.upstreams[0].headers.end())
        << hdr.first;
  }
}

TEST(LegacyEnv, StatesTheProviderItsModelAndHostResolveTo) {
  static std::string seen;
  const ProviderNamer namer = [](std::string_view base_url, std::string_view model) {
    seen = std::string(base_url) + " " + std::string(model);
    return std::string("glm");
  };
  LegacyImport r = convert_legacy_env(kLegacyGlm, ".env-requesty-glm", nullptr, namer);
  ASSERT_TRUE(r.errors.empty());
  EXPECT_NE(r.toml.find("\nprovider = \"glm\""), std::string::npos) << r.toml;
  EXPECT_EQ(seen, "https://router.requesty.ai/v1 zai/GLM-4.6");
  TempHome h;
  h.write("profiles/glm.toml", r.toml);
  EXPECT_EQ(all_problems(load_fleet(h.home(), Environment{})), "");
}

TEST(LegacyEnv, KeyEqualToAKnownVariableBecomesAReference) {
  Environment known;
  known.set("REQUESTY_API_KEY", "sk-or-v1-0123456789abcdefWXYZ");
  LegacyImport r = convert_legacy_env(kLegacyGlm, ".env-requesty-glm", &known);
  ASSERT_TRUE(r.errors.empty());
  EXPECT_NE(r.toml.find("api_key = \"${REQUESTY_API_KEY}\""), std::string::npos) << r.toml;
  EXPECT_EQ(r.toml.find("0123456789abcdef"), std::string::npos);
  EXPECT_TRUE(contains(r.warnings, "the key equals ${REQUESTY_API_KEY}"));

  TempHome h;
  h.write("profiles/glm.toml", r.toml);
  Fleet fleet = load_fleet(h.home(), known);
  ASSERT_TRUE(fleet.ok()) << all_problems(fleet);
  EXPECT_EQ(fleet.profiles[0].worker.upstreams[0].first_key(), "sk-or-v1-0123456789abcdefWXYZ");
}

TEST(LegacyEnv, MinimalFileUsesLegacyDefaultsWithWarnings) {
  LegacyImport r = convert_legacy_env("OPENAI_API_KEY=sk-x-123456789012\n", "f", nullptr);
  ASSERT_TRUE(r.errors.empty());
  EXPECT_TRUE(contains(r.warnings, "PORT is not set; using the legacy default 8082"));
  EXPECT_TRUE(contains(r.warnings, "OPENAI_BASE_URL is not set"));
  EXPECT_TRUE(contains(r.warnings, "BIG_MODEL is not set"));
  TempHome h;
  h.write("profiles/f.toml", r.toml);
  Fleet fleet = load_fleet(h.home(), Environment{});
  ASSERT_TRUE(fleet.ok()) << all_problems(fleet);
  EXPECT_EQ(fleet.profiles[0].worker.upstreams[0].models.big, "gpt-4o");
  EXPECT_EQ(fleet.profiles[0].worker.upstreams[0].models.middle, "gpt-4o");
  EXPECT_EQ(fleet.profiles[0].worker.upstreams[0].models.small, "gpt-4o-mini");
  EXPECT_EQ(fleet.profiles[0].worker.upstreams[0].base_url, "https://api.openai.com/v1");
  EXPECT_TRUE(contains(r.warnings, "put OPENAI_API_KEY=... in the home's .env"));
}

TEST(LegacyEnv, OpenHostWithoutClientKeyBecomesLoopback) {
  LegacyImport r = convert_legacy_env("PORT=9000\nHOST=0.0.0.0\nBIG_MODEL=m\n", "f", nullptr);
  ASSERT_TRUE(r.errors.empty());
  EXPECT_TRUE(contains(r.warnings, "HOST=0.0.0.0 would let other machines spend the upstream key"));
  EXPECT_EQ(r.toml.find("host ="), std::string::npos);

  r = convert_legacy_env("PORT=9000\nHOST=0.0.0.0\nANTHROPIC_API_KEY=client-123456789\n", "f",
                         nullptr);
  EXPECT_NE(r.toml.find("host = \"0.0.0.0\""), std::string::npos);
}

TEST(LegacyEnv, BadValuesAreErrorsAndNothingIsProduced) {
  LegacyImport r = convert_legacy_env(
      "PORT=eighty\nOPENAI_BASE_URL=ftp://x\nREQUEST_TIMEOUT=soon\nMAX_TOKENS_LIMIT=-5\n"
      "CUSTOM_HEADER_X_BAD=\"a\\nb\"\nbroken line\n",
      "f", nullptr);
  EXPECT_TRUE(r.toml.empty());
  EXPECT_EQ(r.errors.size(), 6u);
  EXPECT_TRUE(contains(r.errors, "line 1: PORT: 'eighty' is not a port (1 to 65535)"));
  EXPECT_TRUE(contains(r.errors, "line 2: OPENAI_BASE_URL: not an http or https URL"));
  EXPECT_TRUE(contains(r.errors, "line 3: REQUEST_TIMEOUT"));
  EXPECT_TRUE(contains(r.errors, "line 4: MAX_TOKENS_LIMIT"));
  EXPECT_TRUE(contains(r.errors, "line 5: CUSTOM_HEADER_X_BAD: value contains a line break"));
  EXPECT_TRUE(contains(r.errors, "line 6: expected NAME=VALUE"));
}

TEST(LegacyEnv, DollarSignsAndQuotesSurviveTheRoundTrip) {
  LegacyImport r = convert_legacy_env(
      "PORT=9000\nBIG_MODEL=\"we\\\"ird $model ${NOT_A_VAR}\"\nOPENAI_API_KEY='sk-$$-1234567890'\n",
      "f", nullptr);
  ASSERT_TRUE(r.errors.empty());
  TempHome h;
  h.write("profiles/f.toml", r.toml);
  Fleet fleet = load_fleet(h.home(), Environment{});
  ASSERT_TRUE(fleet.ok()) << all_problems(fleet) << r.toml;
  EXPECT_EQ(fleet.profiles[0].worker.upstreams[0].models.big, "we\"ird $model ${NOT_A_VAR}");
  EXPECT_EQ(fleet.profiles[0].worker.upstreams[0].first_key(), "sk-$$-1234567890");
}

// The source file's name lands in a comment: a line break in it must not start a setting.
TEST(LegacyEnv, AFileNameCannotAddLinesToTheProfile) {
  const std::string name =
      "x\nclient_api_key = \"\" \n[upstream]\nproxy = \"http://evil:1\"\r\n#\x01";
  LegacyImport r = convert_legacy_env("PORT=9000\nBIG_MODEL=m\n", name, nullptr);
  ASSERT_TRUE(r.errors.empty());
  EXPECT_EQ(r.toml.rfind("# Imported from x\\nclient_api_key = \"\" \\n[upstream]\\nproxy = "
                         "\"http://evil:1\"\\r\\n#\\u0001 by `ccproxy import-env`.",
                         0),
            0u)
      << r.toml;
  TempHome h;
  h.write("profiles/f.toml", r.toml);
  Fleet fleet = load_fleet(h.home(), Environment{});
  ASSERT_TRUE(fleet.ok()) << all_problems(fleet) << r.toml;
  EXPECT_EQ(fleet.profiles[0].worker.client_api_key, "");
  EXPECT_EQ(fleet.profiles[0].worker.upstreams[0].proxy, "");
}

// The one URL check of the profile loader holds for import-env too.
TEST(LegacyEnv, ABaseUrlWhoseHostDecodesToALineBreakIsAnError) {
  LegacyImport r = convert_legacy_env(
      "PORT=9000\nBIG_MODEL=m\nOPENAI_BASE_URL=http://evil%0d%0aX-Injected%3A%20yes/v1\n", "f",
      nullptr);
  EXPECT_TRUE(r.toml.empty());
  EXPECT_TRUE(contains(r.errors, "line 3: OPENAI_BASE_URL: URL host is not a valid host name"))
      << (r.errors.empty() ? "" : r.errors.front());
}

}  // namespace
}  // namespace ccproxy::config
