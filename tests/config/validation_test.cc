// Every validation rule, with the exact text `ccproxy check` prints for it.

#include <gtest/gtest.h>

#include "config/load_fleet.h"
#include "temp_home.h"

namespace ccproxy::config {
namespace {

using testing::all_problems;
using testing::TempHome;

// The upstream and models every test profile needs, placed after `head` (top-level keys).
const char* kRest = R"(
[upstream]
base_url = "https://router.example/v1"
api_key = "sk-test-0123456789"

[models]
big = "vendor/model"
)";

std::string problems_for(const std::string& profile_text, const std::string& home_toml = "") {
  TempHome h;
  h.write("profiles/a.toml", profile_text);
  if (!home_toml.empty()) {
    h.write("ccproxy.toml", home_toml);
  }
  return all_problems(load_fleet(h.home(), Environment{}));
}

TEST(Validation, ValidMinimalProfileHasNoProblems) {
  EXPECT_EQ(problems_for(std::string("port = 8082\n") + kRest), "");
}

TEST(Validation, TomlSyntaxErrorWithLine) {
  std::string out = problems_for("port = 8082\n[upstream\nbase_url = 1\n");
  EXPECT_EQ(out.rfind("profiles/a.toml:2: TOML syntax error: ", 0), 0u) << out;
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1);
}

TEST(Validation, UnknownKeysEverywhere) {
  EXPECT_EQ(problems_for(std::string("port = 8082\nprot = 1\n") + kRest),
            "profiles/a.toml:2: prot: unknown key (did you mean port?)\n");
  EXPECT_EQ(problems_for(std::string("port = 8082\n") + kRest + "[timeouts]\nconect_s = 1\n"),
            "profiles/a.toml:10: timeouts.conect_s: unknown key (did you mean connect_s?)\n");
  EXPECT_EQ(problems_for(std::string("port = 8082\n") + kRest + "[mystery]\nx = 1\n"),
            "profiles/a.toml:9: mystery: unknown key\n");
  EXPECT_EQ(problems_for(std::string("port = 8082\n") + kRest,
                         "[defaults.upstream]\napi_kee = \"x\"\n[other]\n"),
            "ccproxy.toml:2: defaults.upstream.api_kee: unknown key (did you mean api_key?)\n"
            "ccproxy.toml:3: other: unknown key\n");
  EXPECT_EQ(problems_for(std::string("port = 8082\n") + kRest, "[logs]\nrotate = 1\n"),
            "ccproxy.toml:2: logs.rotate: unknown key\n");
}

TEST(Validation, ProviderSettings) {
  const std::string head = "port = 8082\n[upstream]\nbase_url = \"https://router.example/v1\"\n";
  const std::string models = "[models]\nbig = \"vendor/model\"\n";
  EXPECT_EQ(problems_for(head + "provider = \"gemini\"\nreasoning = \"high\"\n" +
                         "forward_betas = [\"a-2025-01-01\", \"*\"]\n" + models),
            "");
  EXPECT_EQ(problems_for(head + "forward_betas = \"*\"\n" + models), "");
  EXPECT_EQ(problems_for(head + "provider = \"gemni\"\n" + models),
            "profiles/a.toml:4: upstream.provider: 'gemni' is not one of auto, generic, openai, "
            "gemini, kimi, deepseek, minimax, glm\n");
  EXPECT_EQ(problems_for(head + "reasoning = \"max\"\n" + models),
            "profiles/a.toml:4: upstream.reasoning: 'max' is not one of auto, off, on, low, "
            "medium, high\n");
  EXPECT_EQ(problems_for(head + "forward_betas = [\"a b\"]\n" + models),
            "profiles/a.toml:4: upstream.forward_betas: 'a b' is not a beta name\n");
  EXPECT_EQ(problems_for(head + "forward_betas = [1]\n" + models),
            "profiles/a.toml:4: upstream.forward_betas: expected \"*\" or a list of strings, got "
            "an integer\n");
}

TEST(Validation, WrongTypes) {
  EXPECT_EQ(problems_for(std::string("port = \"8082\"\n") + kRest),
            "profiles/a.toml:1: port: expected an integer, got a string\n");
  EXPECT_EQ(problems_for(std::string("port = 8082.0\n") + kRest),
            "profiles/a.toml:1: port: expected an integer, got a floating-point number\n");
  EXPECT_EQ(problems_for(std::string("port = 8082\nhost = 127\n") + kRest),
            "profiles/a.toml:2: host: expected a string, got an integer\n");
  EXPECT_EQ(problems_for(std::string("port = 8082\n") + kRest + "passthrough = \"yes\"\n"),
            "profiles/a.toml:9: models.passthrough: expected true or false, got a string\n");
  EXPECT_EQ(problems_for("port = 8082\nupstream = \"https://x\"\n[models]\nbig = \"m\"\n"),
            "profiles/a.toml: upstream.base_url: required key is missing\n"
            "profiles/a.toml:2: upstream: expected a table, got a string\n");
  EXPECT_EQ(problems_for(std::string("port = 8082\n") + kRest + "[timeouts]\nidle_s = \"5\"\n"),
            "profiles/a.toml:10: timeouts.idle_s: expected a number, got a string\n");
  EXPECT_EQ(
      problems_for(std::string("port = 8082\n") + kRest, "[supervisor]\nmax_failures = 1.5\n"),
      "ccproxy.toml:2: supervisor.max_failures: expected an integer, got a floating-point "
      "number\n");
}

TEST(Validation, RequiredKeys) {
  EXPECT_EQ(problems_for("display_name = \"x\"\n"),
            "profiles/a.toml: port: required key is missing\n"
            "profiles/a.toml: upstream.base_url: required key is missing\n"
            "profiles/a.toml: models.big: required key is missing\n");
  EXPECT_EQ(problems_for("port = 1\n[upstream]\napi_key = \"k\"\n[models]\n"),
            "profiles/a.toml:2: upstream.base_url: required key is missing\n"
            "profiles/a.toml:4: models.big: required key is missing\n");
}

std::string with_base_url(const std::string& url) {
  return problems_for("port = 8082\n[upstream]\nbase_url = \"" + url +
                      "\"\n[models]\nbig = \"m\"\n");
}

TEST(Validation, BadUrls) {
  EXPECT_EQ(with_base_url("router.requesty.ai/v1"),
            "profiles/a.toml:3: upstream.base_url: not a URL\n");
  EXPECT_EQ(with_base_url("not a url"), "profiles/a.toml:3: upstream.base_url: not a URL\n");
  EXPECT_EQ(with_base_url("ftp://files.example/v1"),
            "profiles/a.toml:3: upstream.base_url: not an http or https URL\n");
  EXPECT_EQ(with_base_url("https:///v1"),
            "profiles/a.toml:3: upstream.base_url: URL has no host\n");
  EXPECT_EQ(with_base_url("https://x.example:99999/v1"),
            "profiles/a.toml:3: upstream.base_url: URL has a bad port\n");
  EXPECT_EQ(with_base_url("https://user:pw@x.example/v1"),
            "profiles/a.toml:3: upstream.base_url: URL must not contain user:password@ (use "
            "upstream.api_key or upstream.headers)\n");
  EXPECT_EQ(with_base_url("https://x.example/v1?key=1"),
            "profiles/a.toml:3: upstream.base_url: URL must not have a query or fragment\n");
  EXPECT_EQ(with_base_url("https://x.example/v1#frag"),
            "profiles/a.toml:3: upstream.base_url: URL must not have a query or fragment\n");
  EXPECT_EQ(with_base_url(""), "profiles/a.toml:3: upstream.base_url: must not be empty\n");
  EXPECT_EQ(with_base_url("HTTP://127.0.0.1:8080"), "");
  EXPECT_EQ(with_base_url("http://[::1]:8080/v1"), "");
}

// A host that decodes to a control character or a space would reach a request line or a
// proxy's CONNECT header: refused however it is spelled.
TEST(Validation, HostsThatDecodeToControlCharactersOrSpaces) {
  const std::string bad_host =
      "upstream.base_url: URL host is not a valid host name (letters, digits, '-', '.' and '_'; "
      "no spaces or control characters, percent-encoded or not)\n";
  for (const char* url : {"http://evil%0d%0aX-Injected%3A%20yes/v1", "https://a%0ab.example/v1",
                          "http://host%00name/v1", "http://a%09b/v1", "http://a%20b/v1",
                          "http://a%7fb/v1", "http://a%3ab/v1", "http://a%2fb/v1"}) {
    EXPECT_EQ(with_base_url(url), "profiles/a.toml:3: " + bad_host) << url;
  }
  EXPECT_EQ(with_base_url("https://x%2Eexample/v1"), "");  // decodes to x.example
  EXPECT_EQ(with_base_url("https://my_host.internal:8443/v1"), "");
  EXPECT_EQ(with_base_url("http://10.0.0.1/v1"), "");

  std::string head = "port = 8082\n[upstream]\nbase_url = \"https://x.example\"\n";
  EXPECT_EQ(problems_for(head + "proxy = \"http://p%0d%0aX-Evil%3a%201:3128\"\n[models]\n"
                                "big = \"m\"\n"),
            "profiles/a.toml:4: upstream.proxy: URL host is not a valid host name (letters, "
            "digits, '-', '.' and '_'; no spaces or control characters, percent-encoded or not)\n");
}

TEST(Validation, ProxyAndCaFile) {
  std::string head = "port = 8082\n[upstream]\nbase_url = \"https://x.example\"\n";
  EXPECT_EQ(problems_for(head + "proxy = \"https://p.example:3128\"\n[models]\nbig = \"m\"\n"),
            "profiles/a.toml:4: upstream.proxy: must be an http:// URL "
            "(http://[user:pass@]host:port)\n");
  EXPECT_EQ(problems_for(head + "proxy = \"http://p.example:3128/path\"\n[models]\nbig = \"m\"\n"),
            "profiles/a.toml:4: upstream.proxy: proxy URL must not have a path, query or "
            "fragment\n");
  EXPECT_EQ(problems_for(head + "proxy = \"http://u:p@p.example:3128\"\n[models]\nbig = \"m\"\n"),
            "");
  EXPECT_EQ(problems_for(head + "proxy = \"\"\n[models]\nbig = \"m\"\n"), "");  // empty: unset
  TempHome h;
  h.write("profiles/a.toml", head + "ca_file = \"missing.pem\"\n[models]\nbig = \"m\"\n");
  EXPECT_EQ(all_problems(load_fleet(h.home(), Environment{})),
            "profiles/a.toml:4: upstream.ca_file: no such file: " +
                (h.root() / "missing.pem").string() + "\n");
  h.write("notpem.pem", "just some text\n");
  h.write("profiles/a.toml", head + "ca_file = \"notpem.pem\"\n[models]\nbig = \"m\"\n");
  EXPECT_EQ(all_problems(load_fleet(h.home(), Environment{})),
            "profiles/a.toml:4: upstream.ca_file: no PEM certificate (-----BEGIN CERTIFICATE-----) "
            "in " +
                (h.root() / "notpem.pem").string() + "\n");
  h.write("ca.pem", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
  h.write("profiles/a.toml", head + "ca_file = \"ca.pem\"\n[models]\nbig = \"m\"\n");
  EXPECT_EQ(all_problems(load_fleet(h.home(), Environment{})), "");
}

TEST(Validation, PortsOutOfRange) {
  EXPECT_EQ(problems_for(std::string("port = 0\n") + kRest),
            "profiles/a.toml:1: port: 0 is out of range (1 to 65535)\n");
  EXPECT_EQ(problems_for(std::string("port = 70000\n") + kRest),
            "profiles/a.toml:1: port: 70000 is out of range (1 to 65535)\n");
  EXPECT_EQ(problems_for(std::string("port = -1\n") + kRest),
            "profiles/a.toml:1: port: -1 is out of range (1 to 65535)\n");
  EXPECT_EQ(problems_for(std::string("port = 8082\n") + kRest, "[defaults]\nport = 9000\n"),
            "ccproxy.toml:2: defaults.port: not allowed in [defaults]: every profile sets its own "
            "port\n");
}

TEST(Validation, BadEnumValues) {
  EXPECT_EQ(problems_for(std::string("port = 8082\nlog_level = \"verbose\"\n") + kRest),
            "profiles/a.toml:2: log_level: 'verbose' is not one of trace, debug, info, warn, "
            "error\n");
  EXPECT_EQ(problems_for("port = 8082\n[upstream]\nbase_url = \"https://x.example\"\nformat = "
                         "\"xml\"\n[models]\nbig = \"m\"\n"),
            "profiles/a.toml:4: upstream.format: 'xml' is not one of openai, anthropic\n");
}

TEST(Validation, TimeoutsMustBePositive) {
  std::string head = std::string("port = 8082\n") + kRest + "[timeouts]\n";
  EXPECT_EQ(problems_for(head + "connect_s = 0\n"),
            "profiles/a.toml:10: timeouts.connect_s: must be greater than 0\n");
  EXPECT_EQ(problems_for(head + "idle_s = -5\n"),
            "profiles/a.toml:10: timeouts.idle_s: must be greater than 0\n");
  EXPECT_EQ(problems_for(head + "first_byte_s = -0.5\n"),
            "profiles/a.toml:10: timeouts.first_byte_s: must be greater than 0\n");
  EXPECT_EQ(problems_for(head + "total_s = 100000\n"),
            "profiles/a.toml:10: timeouts.total_s: must be at most 86400\n");
  EXPECT_EQ(problems_for(head + "total_s = nan\n"),
            "profiles/a.toml:10: timeouts.total_s: expected a number, got nan\n");
  EXPECT_EQ(problems_for(head + "connect_s = 0.25\n"), "");
  EXPECT_EQ(problems_for(std::string("port = 8082\nshutdown_grace_s = -1\n") + kRest),
            "profiles/a.toml:2: shutdown_grace_s: must not be negative\n");
  EXPECT_EQ(problems_for(std::string("port = 8082\nshutdown_grace_s = 0\n") + kRest), "");
}

TEST(Validation, RetryAndLimits) {
  std::string head = std::string("port = 8082\n") + kRest;
  EXPECT_EQ(problems_for(head + "[retry]\nmax_retries = 11\n"),
            "profiles/a.toml:10: retry.max_retries: 11 is out of range (0 to 10)\n");
  EXPECT_EQ(problems_for(head + "[retry]\nbackoff_initial_ms = 5000\nbackoff_max_ms = 1000\n"),
            "profiles/a.toml:11: retry.backoff_max_ms: must not be less than backoff_initial_ms\n");
  EXPECT_EQ(problems_for(head + "[limits]\nmax_tokens = 100\nmin_tokens = 200\n"),
            "profiles/a.toml:11: limits.min_tokens: must not be more than max_tokens\n");
  EXPECT_EQ(problems_for(head + "[limits]\nmax_tokens = -1\n"),
            "profiles/a.toml:10: limits.max_tokens: -1 is out of range (0 to 100000000)\n");
  EXPECT_EQ(problems_for(head + "[limits]\nmin_tokens = 200\n"), "");  // max 0: no upper bound
}

TEST(Validation, Headers) {
  std::string head = std::string("port = 8082\n") + kRest + "[upstream.headers]\n";
  EXPECT_EQ(problems_for(head + "\"Bad Name\" = \"x\"\n"),
            "profiles/a.toml:10: upstream.headers.\"Bad Name\": not a valid header name\n");
  EXPECT_EQ(problems_for(head + "X-Evil = \"a\\r\\nInjected: yes\"\n"),
            "profiles/a.toml:10: upstream.headers.X-Evil: value contains a line break\n");
  EXPECT_EQ(problems_for(head + "X-Bell = \"a\\u0007\"\n"),
            "profiles/a.toml:10: upstream.headers.X-Bell: value contains a control character\n");
  EXPECT_EQ(problems_for(head + "Content-Length = \"5\"\n"),
            "profiles/a.toml:10: upstream.headers.Content-Length: ccproxy sets this header "
            "itself; remove it\n");
  EXPECT_EQ(problems_for(head + "X-Num = 5\n"),
            "profiles/a.toml:10: upstream.headers.X-Num: expected a string, got an integer\n");
  EXPECT_EQ(problems_for(head + "Accept = \"a\"\naccept = \"b\"\n"),
            "profiles/a.toml:11: upstream.headers.accept: header given twice (header names are "
            "case-insensitive)\n");
  EXPECT_EQ(problems_for(head + "Authorization = \"Bearer ${TOKEN:-none}\"\n"), "");
}

TEST(Validation, HostAndClientKey) {
  EXPECT_EQ(problems_for(std::string("port = 8082\nhost = \"0.0.0.0\"\n") + kRest),
            "profiles/a.toml:2: host: '0.0.0.0' is reachable from other machines; set "
            "client_api_key so that only your clients can spend the upstream key\n");
  EXPECT_EQ(problems_for(std::string("port = 8082\nhost = \"0.0.0.0\"\nclient_api_key = "
                                     "\"client-key-12345\"\n") +
                         kRest),
            "");
  EXPECT_EQ(problems_for(std::string("port = 8082\nhost = \"::1\"\n") + kRest), "");
  EXPECT_EQ(problems_for(std::string("port = 8082\nhost = \"localhost\"\n") + kRest), "");
  EXPECT_EQ(problems_for(std::string("port = 8082\nhost = \"[::1]\"\n") + kRest),
            "profiles/a.toml:2: host: not a host name or IP address (write IPv6 addresses "
            "without brackets)\n");
  EXPECT_EQ(problems_for(std::string("port = 8082\nclient_api_key = \"a\\nb\"\n") + kRest),
            "profiles/a.toml:2: client_api_key: must not contain line breaks or control "
            "characters\n");
}

TEST(Validation, DisplayNameHasNoControlCharacters) {
  EXPECT_EQ(problems_for(std::string("port = 8082\ndisplay_name = \"GLM\\u001b[31m\"\n") + kRest),
            "profiles/a.toml:2: display_name: must not contain control characters\n");
}

TEST(Validation, ModelsMustNotBeEmpty) {
  EXPECT_EQ(problems_for("port = 8082\n[upstream]\nbase_url = \"https://x.example\"\n[models]\n"
                         "big = \"m\"\nsmall = \"\"\n"),
            "profiles/a.toml:6: models.small: must not be empty\n");
}

TEST(Validation, RoutingTiersAndThreshold) {
  const std::string head =
      "port = 8082\n[upstream]\nbase_url = \"https://x.example\"\n[models]\n"
      "big = \"m\"\n";
  // A long tier that could never be chosen.
  EXPECT_EQ(problems_for(head + "long = \"l\"\n"),
            "profiles/a.toml:6: models.long: needs [routing] long_context_tokens (the estimated "
            "input, in tokens, above which a request goes to this model)\n");
  EXPECT_EQ(problems_for(head + "long = \"l\"\n[routing]\nlong_context_tokens = 1\n"), "");
  // A threshold without a long tier is accepted (it may come from [defaults]).
  EXPECT_EQ(problems_for(head + "[routing]\nlong_context_tokens = 1000\n"), "");
  EXPECT_EQ(problems_for(head + "[routing]\nlong_context_tokens = 0\n"),
            "profiles/a.toml:7: routing.long_context_tokens: 0 is out of range (1 to 100000000)\n");
  EXPECT_EQ(problems_for(head + "[routing]\nlong_context_tokens = \"many\"\n"),
            "profiles/a.toml:7: routing.long_context_tokens: expected an integer, got a string\n");
  EXPECT_EQ(problems_for(head + "[routing]\nlong_tokens = 5\n"),
            "profiles/a.toml:7: routing.long_tokens: unknown key\n");
  EXPECT_EQ(problems_for(head + "vision = \"\"\nthink = \"a\\u0001b\"\nlong = 3\n"),
            "profiles/a.toml:6: models.vision: must not be empty\n"
            "profiles/a.toml:7: models.think: must not contain control characters\n"
            "profiles/a.toml:8: models.long: expected a string, got an integer\n");
  EXPECT_EQ(problems_for(head + "visoin = \"v\"\n"),
            "profiles/a.toml:6: models.visoin: unknown key (did you mean vision?)\n");
}

TEST(Validation, BadProfileFileNames) {
  TempHome h;
  std::string body = std::string("port = 8082\n") + kRest;
  h.write("profiles/my glm.toml", body);
  h.write("profiles/ccproxy.toml", body);
  h.write("profiles/ok_name-2.toml", body);
  h.write("profiles/supervisor.toml", std::string("port = 8083\n") + kRest);
  Fleet fleet = load_fleet(h.home(), Environment{});
  EXPECT_EQ(all_problems(fleet),
            "profiles/ccproxy.toml: profile name 'ccproxy' is reserved (logs/ccproxy.log is the "
            "supervisor's log)\n"
            "profiles/my glm.toml: profile name 'my glm' may only use letters, digits, '-' and "
            "'_'\n"
            "profiles/supervisor.toml: profile name 'supervisor' is reserved "
            "(pids/supervisor.json is the supervisor's identity)\n");
  ASSERT_EQ(fleet.profiles.size(), 1u);
  EXPECT_EQ(fleet.profiles[0].name, "ok_name-2");
}

TEST(Validation, FleetSettingsRanges) {
  std::string body = std::string("port = 8082\n") + kRest;
  EXPECT_EQ(problems_for(body, "[supervisor]\nstart_timeout_s = 0\nhealth_failures = 0\n"),
            "ccproxy.toml:2: supervisor.start_timeout_s: must be greater than 0\n"
            "ccproxy.toml:3: supervisor.health_failures: 0 is out of range (1 to 100)\n");
  EXPECT_EQ(problems_for(body, "[supervisor]\nbackoff_initial_s = 10\nbackoff_max_s = 5\n"),
            "ccproxy.toml:3: supervisor.backoff_max_s: must not be less than backoff_initial_s\n");
  EXPECT_EQ(problems_for(body, "[logs]\ncompress = \"yes\"\n"),
            "ccproxy.toml:2: logs.compress: expected true or false, got a string\n");
  EXPECT_EQ(problems_for(body, "defaults = 5\n"),
            "ccproxy.toml:1: defaults: expected a table, got an integer\n");
  std::string syntax = problems_for(body, "[logs\n");
  EXPECT_EQ(syntax.rfind("ccproxy.toml:1: TOML syntax error: ", 0), 0u) << syntax;
}

}  // namespace
}  // namespace ccproxy::config
