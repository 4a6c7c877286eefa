#include <gtest/gtest.h>

#include "config/load_fleet.h"
#include "temp_home.h"

namespace ccproxy::config {
namespace {

using std::chrono::milliseconds;
using testing::all_problems;
using testing::has_problem;
using testing::minimal_profile;
using testing::TempHome;

// A profile that sets every key, each to a value other than its default.
const char* const kEveryKey = R"toml(
port = 8082
host = "127.0.0.2"
display_name = "GLM-4.6"
client_api_key = "client-secret-123456"
log_level = "debug"
max_request_body_mb = 8
shutdown_grace_s = 2.5

[upstream]
base_url = "https://router.requesty.ai/v1/"
api_key = "sk-upstream-abcdef"
format = "anthropic"
proxy = "http://user:pw@proxy.local:3128"
ca_file = "ca.pem"
anthropic_version = "2024-01-01"

[upstream.headers]
"User-Agent" = "Mozilla/5.0 (compatible; ClaudeCodeProxy/1.0)"
Accept = "application/json"

[models]
big = "zai/GLM-4.6"
middle = "zai/GLM-4.5"
small = "zai/GLM-4.5-air"
passthrough = false

[timeouts]
connect_s = 5
first_byte_s = 120.5
idle_s = 60
total_s = 600

[retry]
max_retries = 3
backoff_initial_ms = 250
backoff_max_ms = 4000
retry_after_cap_s = 10

[limits]
max_tokens = 65536
min_tokens = 100
)toml";

TEST(LoadFleet, ReadsEveryKeyOfAProfile) {
  TempHome h;
  h.write("ca.pem", "-----BEGIN CERTIFICATE-----\n");
  h.write("profiles/glm.toml", kEveryKey);
  Fleet fleet = load_fleet(h.home(), Environment{});
  ASSERT_TRUE(fleet.ok()) << all_problems(fleet);
  ASSERT_EQ(fleet.profiles.size(), 1u);
  const Profile& p = fleet.profiles[0];
  EXPECT_EQ(p.name, "glm");
  EXPECT_EQ(p.file, h.root() / "profiles" / "glm.toml");
  EXPECT_EQ(p.log_level, "debug");
  const worker::WorkerConfig& w = p.worker;
  EXPECT_EQ(w.profile, "glm");
  EXPECT_EQ(w.display_name, "GLM-4.6");
  EXPECT_EQ(w.host, "127.0.0.2");
  EXPECT_EQ(w.port, 8082);
  EXPECT_EQ(w.client_api_key, "client-secret-123456");
  EXPECT_EQ(w.max_body_bytes, 8u << 20);
  EXPECT_EQ(w.shutdown_grace, milliseconds(2500));
  EXPECT_EQ(w.upstreams[0].base_url, "https://router.requesty.ai/v1");  // trailing '/' dropped
  EXPECT_EQ(w.upstreams[0].first_key(), "sk-upstream-abcdef");
  EXPECT_EQ(w.upstreams[0].format, worker::UpstreamFormat::anthropic);
  EXPECT_EQ(w.upstreams[0].proxy, "http://user:pw@proxy.local:3128");
  EXPECT_EQ(w.upstreams[0].ca_file, (h.root() / "ca.pem").string());
  EXPECT_EQ(w.upstreams[0].anthropic_version, "2024-01-01");
  ASSERT_EQ(w.upstreams[0].headers.size(), 2u);
  EXPECT_EQ(w.upstreams[0].headers[0],
            std::make_pair(std::string("Accept"), std::string("application/json")));
  EXPECT_EQ(w.upstreams[0].headers[1].first, "User-Agent");
  EXPECT_EQ(w.upstreams[0].headers[1].second, "Mozilla/5.0 (compatible; ClaudeCodeProxy/1.0)");
  EXPECT_EQ(w.upstreams[0].models.big, "zai/GLM-4.6");
  EXPECT_EQ(w.upstreams[0].models.middle, "zai/GLM-4.5");
  EXPECT_EQ(w.upstreams[0].models.small, "zai/GLM-4.5-air");
  EXPECT_FALSE(w.upstreams[0].models.passthrough_provider_models);
  EXPECT_EQ(w.timeouts.connect, milliseconds(5000));
  EXPECT_EQ(w.timeouts.first_byte, milliseconds(120500));
  EXPECT_EQ(w.timeouts.idle, milliseconds(60000));
  EXPECT_EQ(w.timeouts.total, milliseconds(600000));
  EXPECT_EQ(w.retry.max_retries, 3);
  EXPECT_EQ(w.retry.backoff_initial, milliseconds(250));
  EXPECT_EQ(w.retry.backoff_max, milliseconds(4000));
  EXPECT_EQ(w.retry.retry_after_cap, milliseconds(10000));
  EXPECT_EQ(w.max_tokens.max, 65536);
  EXPECT_EQ(w.max_tokens.min, 100);
  EXPECT_EQ(p.fingerprint.size(), 16u);
}

TEST(LoadFleet, DefaultsForAbsentKeys) {
  TempHome h;
  h.write("profiles/a.toml", minimal_profile(9001));
  Fleet fleet = load_fleet(h.home(), Environment{});
  ASSERT_TRUE(fleet.ok()) << all_problems(fleet);
  const auto& w = fleet.profiles.at(0).worker;
  const worker::WorkerConfig defaults;
  EXPECT_EQ(w.host, "127.0.0.1");
  EXPECT_EQ(w.display_name, "");
  EXPECT_EQ(w.client_api_key, "");
  EXPECT_EQ(w.upstreams[0].format, worker::UpstreamFormat::openai);
  EXPECT_TRUE(w.upstreams[0].headers.empty());
  EXPECT_EQ(w.upstreams[0].models.middle, "vendor/model");  // middle and small follow big
  EXPECT_EQ(w.upstreams[0].models.small, "vendor/model");
  EXPECT_TRUE(w.upstreams[0].models.passthrough_provider_models);
  EXPECT_EQ(w.timeouts.connect, defaults.timeouts.connect);
  EXPECT_EQ(w.timeouts.first_byte, defaults.timeouts.first_byte);
  EXPECT_EQ(w.timeouts.idle, defaults.timeouts.idle);
  EXPECT_EQ(w.timeouts.total, defaults.timeouts.total);
  EXPECT_EQ(w.retry.max_retries, defaults.retry.max_retries);
  EXPECT_EQ(w.max_tokens.max, 0);
  EXPECT_EQ(w.max_body_bytes, defaults.max_body_bytes);
  EXPECT_EQ(w.upstreams[0].anthropic_version, "2023-06-01");
  EXPECT_EQ(fleet.profiles[0].log_level, "info");
  EXPECT_EQ(fleet.logs.retention_days, 3);
  EXPECT_EQ(fleet.supervisor.health_failures, 3);
}

// A ccproxy.toml with [defaults] for the profiles and every key of [logs] and [supervisor].
const char* const kSharedCcproxyToml = R"(
[defaults]
log_level = "warn"
[defaults.upstream]
base_url = "https://router.requesty.ai/v1"
api_key = "${REQUESTY_API_KEY}"
[defaults.upstream.headers]
"user-agent" = "default-agent"
Accept = "application/json"
[defaults.models]
small = "cheap/model"
[defaults.timeouts]
idle_s = 42

[logs]
rotate_mb = 10
rotate_daily = false
compress = true
retention_days = 7
max_total_mb = 200

[supervisor]
start_timeout_s = 20
stop_timeout_s = 5
health_interval_s = 2.5
health_failures = 4
backoff_initial_s = 2
backoff_max_s = 60
healthy_reset_s = 30
max_failures = 9
failure_window_s = 300
)";

TEST(LoadFleet, ProfilesInheritFromCcproxyToml) {
  TempHome h;
  h.write("ccproxy.toml", kSharedCcproxyToml);
  h.write("profiles/glm.toml", R"(
port = 8082
[upstream.headers]
"User-Agent" = "profile-agent"
[models]
big = "zai/GLM-4.6"
[timeouts]
connect_s = 3
)");
  h.write("profiles/kimi.toml", R"(
port = 8081
log_level = "error"
[upstream]
api_key = "sk-kimi-own-key-0000"
[models]
big = "kimi/k2"
small = "kimi/small"
)");
  Environment env;
  env.set("REQUESTY_API_KEY", "sk-shared-1234567890");
  Fleet fleet = load_fleet(h.home(), env);
  ASSERT_TRUE(fleet.ok()) << all_problems(fleet);
  ASSERT_EQ(fleet.profiles.size(), 2u);
  // Sorted by port.
  const Profile& kimi = fleet.profiles[0];
  const Profile& glm = fleet.profiles[1];
  ASSERT_EQ(kimi.name, "kimi");
  ASSERT_EQ(glm.name, "glm");

  EXPECT_EQ(glm.log_level, "warn");
  EXPECT_EQ(kimi.log_level, "error");
  EXPECT_EQ(glm.worker.upstreams[0].base_url, "https://router.requesty.ai/v1");
  EXPECT_EQ(glm.worker.upstreams[0].first_key(), "sk-shared-1234567890");
  EXPECT_EQ(kimi.worker.upstreams[0].first_key(), "sk-kimi-own-key-0000");
  EXPECT_EQ(kimi.worker.upstreams[0].base_url, "https://router.requesty.ai/v1");
  // Tables merge key by key: glm keeps the default idle timeout beside its own connect.
  EXPECT_EQ(glm.worker.timeouts.connect, milliseconds(3000));
  EXPECT_EQ(glm.worker.timeouts.idle, milliseconds(42000));
  EXPECT_EQ(glm.worker.upstreams[0].models.small, "cheap/model");
  EXPECT_EQ(glm.worker.upstreams[0].models.middle, "zai/GLM-4.6");
  EXPECT_EQ(kimi.worker.upstreams[0].models.small, "kimi/small");
  // Headers merge by case-insensitive name; the profile's value wins.
  ASSERT_EQ(glm.worker.upstreams[0].headers.size(), 2u);
  EXPECT_EQ(glm.worker.upstreams[0].headers[0].first, "User-Agent");
  EXPECT_EQ(glm.worker.upstreams[0].headers[0].second, "profile-agent");
  EXPECT_EQ(glm.worker.upstreams[0].headers[1].first, "Accept");
  ASSERT_EQ(kimi.worker.upstreams[0].headers.size(), 2u);
  EXPECT_EQ(kimi.worker.upstreams[0].headers[1].second, "default-agent");

  EXPECT_EQ(fleet.logs.rotate_bytes, 10u << 20);
  EXPECT_FALSE(fleet.logs.rotate_daily);
  EXPECT_TRUE(fleet.logs.compress);
  EXPECT_EQ(fleet.logs.retention_days, 7);
  EXPECT_EQ(fleet.logs.max_total_bytes, 200u << 20);
  EXPECT_EQ(fleet.supervisor.start_timeout, milliseconds(20000));
  EXPECT_EQ(fleet.supervisor.stop_timeout, milliseconds(5000));
  EXPECT_EQ(fleet.supervisor.health_interval, milliseconds(2500));
  EXPECT_EQ(fleet.supervisor.health_failures, 4);
  EXPECT_EQ(fleet.supervisor.backoff_initial, milliseconds(2000));
  EXPECT_EQ(fleet.supervisor.backoff_max, milliseconds(60000));
  EXPECT_EQ(fleet.supervisor.healthy_reset, milliseconds(30000));
  EXPECT_EQ(fleet.supervisor.max_failures, 9);
  EXPECT_EQ(fleet.supervisor.failure_window, milliseconds(300000));
}

TEST(LoadFleet, EnvironmentWinsOverDotenvInProfiles) {
  TempHome h;
  h.write(".env", "CCPROXY_T_KEY=sk-from-dotenv-0000\nCCPROXY_T_MODEL=dotenv/model\n");
  h.write("profiles/a.toml", R"(
port = 9000
[upstream]
base_url = "https://x.example/v1"
api_key = "${CCPROXY_T_KEY}"
[models]
big = "${CCPROXY_T_MODEL}"
small = "${CCPROXY_T_UNSET:-fallback/model}"
)");
  ::setenv("CCPROXY_T_KEY", "sk-from-process-1111", 1);
  std::vector<Diagnostic> env_problems;
  Environment env = Environment::from_process(h.home(), &env_problems);
  ::unsetenv("CCPROXY_T_KEY");
  Fleet fleet = load_fleet(h.home(), env);
  ASSERT_TRUE(fleet.ok()) << all_problems(fleet);
  const auto& w = fleet.profiles.at(0).worker;
  EXPECT_EQ(w.upstreams[0].first_key(), "sk-from-process-1111");
  EXPECT_EQ(w.upstreams[0].models.big, "dotenv/model");
  EXPECT_EQ(w.upstreams[0].models.small, "fallback/model");
}

TEST(LoadFleet, MissingVariableNamesFileLineKeyAndVariable) {
  TempHome h;
  h.write("profiles/glm.toml", R"(port = 8082

[upstream]
base_url = "https://router.requesty.ai/v1"
api_key = "${REQUESTY_API_KEY}"

[upstream.headers]
Authorization = "Bearer ${AUTH_TOKEN}"

[models]
big = "zai/GLM-4.6"
)");
  Fleet fleet = load_fleet(h.home(), Environment{});
  EXPECT_FALSE(fleet.ok());
  EXPECT_TRUE(fleet.profiles.empty());
  EXPECT_EQ(all_problems(fleet),
            "profiles/glm.toml:5: upstream.api_key: variable REQUESTY_API_KEY is not set "
            "(environment or .env)\n"
            "profiles/glm.toml:8: upstream.headers.Authorization: variable AUTH_TOKEN is not set "
            "(environment or .env)\n");
  EXPECT_EQ(fleet.problems[0].profile, "glm");
}

TEST(LoadFleet, MissingClientKeyVariableIsAnErrorNotNoAuth) {
  TempHome h;
  h.write("profiles/a.toml", minimal_profile(9000, "client_api_key = \"${CLIENT_KEY}\"\n"));
  Fleet fleet = load_fleet(h.home(), Environment{});
  EXPECT_TRUE(fleet.profiles.empty());
  EXPECT_EQ(all_problems(fleet),
            "profiles/a.toml:2: client_api_key: variable CLIENT_KEY is not set (environment or "
            ".env)\n");
}

TEST(LoadFleet, DefaultsProblemsAreReportedOnceAgainstCcproxyToml) {
  TempHome h;
  h.write("ccproxy.toml", "[defaults.upstream]\napi_key = \"${SHARED_KEY}\"\n");
  for (int i = 0; i < 3; ++i) {
    h.write("profiles/p" + std::to_string(i) + ".toml",
            "port = " + std::to_string(9000 + i) +
                "\n[upstream]\nbase_url = \"https://x.example\"\n[models]\nbig = \"m\"\n");
  }
  Fleet fleet = load_fleet(h.home(), Environment{});
  EXPECT_EQ(all_problems(fleet),
            "ccproxy.toml:2: defaults.upstream.api_key: variable SHARED_KEY is not set "
            "(environment or .env)\n");
  EXPECT_EQ(fleet.problems[0].profile, "");  // fleet-wide
  EXPECT_TRUE(fleet.profiles.empty());
}

TEST(LoadFleet, DuplicatePortsNameBothFiles) {
  TempHome h;
  h.write("profiles/glm.toml", minimal_profile(8082));
  h.write("profiles/glm2.toml", minimal_profile(8082));
  Fleet fleet = load_fleet(h.home(), Environment{});
  EXPECT_EQ(all_problems(fleet),
            "profiles/glm2.toml:1: port: 8082 is also used by "
            "profiles/glm.toml:1\n");
  EXPECT_EQ(fleet.problems[0].profile, "glm2");
  EXPECT_EQ(fleet.problems_of("glm").size(), 1u);  // the clash names glm's file too
  EXPECT_EQ(fleet.problems_of("glm2").size(), 1u);
  EXPECT_EQ(fleet.profiles.size(), 2u);
}

TEST(LoadFleet, NoProfilesAtAll) {
  TempHome h;
  Fleet fleet = load_fleet(h.home(), Environment{});
  EXPECT_EQ(all_problems(fleet),
            "profiles: no profiles: add profiles/<name>.toml, or convert a legacy .env file with "
            "'ccproxy import-env FILE'\n");
  std::filesystem::remove(h.root() / "profiles");
  fleet = load_fleet(h.home(), Environment{});
  EXPECT_EQ(all_problems(fleet), "profiles: no profiles directory (expected " +
                                     (h.root() / "profiles").string() + ")\n");
}

TEST(LoadFleet, MissingHomeSaysWhereTheHomeCameFrom) {
  TempHome h;
  Home missing{h.root() / "nope"};
  Fleet fleet = load_fleet(missing, Environment{});
  EXPECT_EQ(all_problems(fleet), "the home directory " + missing.root.string() +
                                     " does not exist (it comes from --home, else "
                                     "$CCPROXY_HOME, else the current directory)\n");
}

TEST(LoadFleet, IgnoresFilesThatAreNotToml) {
  TempHome h;
  h.write("profiles/a.toml", minimal_profile(9000));
  h.write("profiles/README.md", "not a profile");
  h.write("profiles/a.toml~", "port = 'backup'");
  h.write("profiles/a.toml.bak", "port = 'backup'");
  Fleet fleet = load_fleet(h.home(), Environment{});
  EXPECT_TRUE(fleet.ok()) << all_problems(fleet);
  EXPECT_EQ(fleet.profiles.size(), 1u);

  std::filesystem::create_symlink(h.root() / "nowhere.toml", h.root() / "profiles" / "gone.toml");
  fleet = load_fleet(h.home(), Environment{});
  EXPECT_EQ(all_problems(fleet), "profiles/gone.toml: not a regular file\n");
}

TEST(LoadFleet, CollectsEveryProblemAcrossFiles) {
  TempHome h;
  h.write("ccproxy.toml", "[logs]\nretention_days = -1\n");
  h.write("profiles/a.toml", "port = 0\n[upstream]\nbase_url = \"nope\"\n[models]\nbig = 5\n");
  h.write("profiles/b.toml", "port = [\n");
  h.write("profiles/c.toml", minimal_profile(9003, "colour = \"blue\"\n"));
  h.write("profiles/d.toml", minimal_profile(9004));
  Fleet fleet = load_fleet(h.home(), Environment{});
  EXPECT_EQ(fleet.problems.size(), 6u) << all_problems(fleet);
  EXPECT_TRUE(
      has_problem(fleet, "ccproxy.toml:2: logs.retention_days: -1 is out of range (0 to 3650)"))
      << all_problems(fleet);
  EXPECT_TRUE(has_problem(fleet, "profiles/a.toml:1: port: 0 is out of range (1 to 65535)"));
  EXPECT_TRUE(has_problem(fleet, "profiles/a.toml:3: upstream.base_url: not a URL"));
  EXPECT_TRUE(
      has_problem(fleet, "profiles/a.toml:5: models.big: expected a string, got an integer"));
  EXPECT_TRUE(has_problem(fleet, "profiles/c.toml:2: colour: unknown key"));
  // The valid profile still loads; the broken ones do not.
  ASSERT_EQ(fleet.profiles.size(), 1u);
  EXPECT_EQ(fleet.profiles[0].name, "d");
  // problems_of: d is only blocked by fleet-wide problems (ccproxy.toml).
  auto of_d = fleet.problems_of("d");
  ASSERT_EQ(of_d.size(), 1u);
  EXPECT_EQ(of_d[0].file, "ccproxy.toml");
  EXPECT_EQ(fleet.problems_of("a").size(), 4u);
}

TEST(LoadFleet, SecretsNeverAppearInDiagnostics) {
  TempHome h;
  const std::string secret = "sk-live-SECRETSECRETSECRET";
  h.write(".env", "BAD_KEY=\"" + secret + "\nline\"\n");
  h.write("profiles/a.toml", "port = 9000\nhost = \"0.0.0.0\"\nclient_api_key = \"" + secret +
                                 "\t\"\n[upstream]\nbase_url = \"https://" + secret +
                                 "@x.example/v1?key=" + secret + "\"\napi_key = \"" + secret +
                                 "\\n\"\nproxy = \"https://" + secret +
                                 "@proxy:1\"\n"
                                 "[upstream.headers]\nAuthorization = \"Bearer " +
                                 secret + "\\r\\n\"\nX-Key = 7\n[models]\nbig = \"m\"\n");
  h.write("profiles/b.toml",
          "port = 9001\n[upstream]\nbase_url = \"x\"\napi_key = \"${BAD_KEY}\"\n"
          "[models]\nbig = \"m\"\n");
  std::vector<Diagnostic> problems;
  Environment env = Environment::from_process(h.home(), &problems);
  Fleet fleet = load_fleet(h.home(), env);
  problems.insert(problems.end(), fleet.problems.begin(), fleet.problems.end());
  EXPECT_GE(problems.size(), 6u);
  for (const auto& p : problems) {
    EXPECT_EQ(p.str().find("SECRET"), std::string::npos) << p.str();
  }
}

TEST(LoadFleet, FingerprintFollowsEffectiveSettings) {
  TempHome h;
  h.write("profiles/a.toml", minimal_profile(9000, "log_level = \"info\"\n"));
  h.write("profiles/b.toml", minimal_profile(9001));
  auto fingerprints = [&](const Environment& env) {
    Fleet f = load_fleet(h.home(), env);
    EXPECT_TRUE(f.ok()) << all_problems(f);
    return std::make_pair(f.find("a")->fingerprint, f.find("b")->fingerprint);
  };
  auto first = fingerprints(Environment{});
  EXPECT_EQ(first, fingerprints(Environment{}));  // stable
  EXPECT_NE(first.first, first.second);           // the port differs

  // Only b changes: only b's fingerprint moves.
  h.write("profiles/b.toml", minimal_profile(9001, "[timeouts]\nidle_s = 7\n"));
  auto second = fingerprints(Environment{});
  EXPECT_EQ(second.first, first.first);
  EXPECT_NE(second.second, first.second);

  // A changed secret behind ${VAR} changes the fingerprint, and it never shows the secret.
  h.write("ccproxy.toml", "[defaults.upstream]\napi_key = \"${K}\"\n");
  h.write("profiles/b.toml",
          "port = 9001\n[upstream]\nbase_url = \"https://router.example/v1\"\n[models]\nbig = "
          "\"vendor/model\"\n");
  Environment e1;
  e1.set("K", "sk-one-111111111111");
  Environment e2;
  e2.set("K", "sk-two-222222222222");
  auto k1 = fingerprints(e1);
  auto k2 = fingerprints(e2);
  EXPECT_NE(k1.second, k2.second);
  EXPECT_EQ(k1.first, k2.first);  // a has its own key
  EXPECT_EQ(k1.second.find("111"), std::string::npos);

  // An unchanged setting written differently (defaults vs explicit) is the same setting.
  h.write("profiles/a.toml", minimal_profile(9000));
  auto third = fingerprints(e1);
  EXPECT_EQ(third.first, first.first);
}

TEST(LoadFleet, RoutingTiersAndThreshold) {
  TempHome h;
  h.write("profiles/a.toml",
          minimal_profile(9000) +
              "vision = \"google/gemini-2.5-flash\"\nlong = \"google/gemini-2.5-pro\"\n"
              "think = \"kimi-k2-thinking\"\n[routing]\nlong_context_tokens = 120000\n");
  h.write("profiles/b.toml", minimal_profile(9001));
  Fleet fleet = load_fleet(h.home(), Environment{});
  ASSERT_TRUE(fleet.ok()) << all_problems(fleet);
  const auto& a = fleet.find("a")->worker;
  EXPECT_EQ(a.upstreams[0].models.vision, "google/gemini-2.5-flash");
  EXPECT_EQ(a.upstreams[0].models.long_context, "google/gemini-2.5-pro");
  EXPECT_EQ(a.upstreams[0].models.think, "kimi-k2-thinking");
  EXPECT_EQ(a.routing.long_context_tokens, 120000);
  // Unset routing tiers stay unset (their rule off); they do not follow big.
  const auto& b = fleet.find("b")->worker;
  EXPECT_EQ(b.upstreams[0].models.vision, "");
  EXPECT_EQ(b.upstreams[0].models.long_context, "");
  EXPECT_EQ(b.upstreams[0].models.think, "");
  EXPECT_EQ(b.routing.long_context_tokens, 0);
}

TEST(LoadFleet, FingerprintFollowsRoutingSettings) {
  TempHome h;
  auto fingerprint_of = [&](const std::string& extra) {
    h.write("profiles/a.toml", minimal_profile(9000) + extra);
    Fleet f = load_fleet(h.home(), Environment{});
    EXPECT_TRUE(f.ok()) << all_problems(f);
    return f.ok() ? f.find("a")->fingerprint : std::string();
  };
  const std::string plain = fingerprint_of("");
  const std::string vision = fingerprint_of("vision = \"v\"\n");
  const std::string think = fingerprint_of("think = \"v\"\n");
  const std::string long_a =
      fingerprint_of("long = \"v\"\n[routing]\nlong_context_tokens = 1000\n");
  const std::string long_b =
      fingerprint_of("long = \"v\"\n[routing]\nlong_context_tokens = 2000\n");
  EXPECT_NE(plain, vision);
  EXPECT_NE(vision, think);  // the same model in another tier is another setting
  EXPECT_NE(long_a, long_b);
  EXPECT_NE(plain, long_a);
}

}  // namespace
}  // namespace ccproxy::config
