#include "worker/upstream/proxy_settings.h"

#include <gtest/gtest.h>

#include <map>

namespace ccproxy::worker {
namespace {

GetEnv env(std::map<std::string, std::string> vars) {
  auto shared = std::make_shared<std::map<std::string, std::string>>(std::move(vars));
  return [shared](const char* name) -> const char* {
    auto it = shared->find(name);
    return it == shared->end() ? nullptr : it->second.c_str();
  };
}

TEST(ProxyUrl, HostPortAndCredentials) {
  auto p = parse_proxy_url("http://alice:s%40cret@proxy.corp:3128");
  ASSERT_TRUE(p.ok()) << p.error();
  EXPECT_EQ(p->host, "proxy.corp");
  EXPECT_EQ(p->port, 3128);
  EXPECT_EQ(p->authorization, "Basic " + base64_encode("alice:s@cret"));
  EXPECT_EQ(p->display, "http://alice:***@proxy.corp:3128");
}

TEST(ProxyUrl, DefaultsAndRefusals) {
  auto bare = parse_proxy_url("10.0.0.1:8080");
  ASSERT_TRUE(bare.ok());
  EXPECT_EQ(bare->host, "10.0.0.1");
  EXPECT_EQ(bare->port, 8080);
  EXPECT_TRUE(bare->authorization.empty());
  auto no_port = parse_proxy_url("http://proxy");
  ASSERT_TRUE(no_port.ok());
  EXPECT_EQ(no_port->port, 80);
  EXPECT_FALSE(parse_proxy_url("socks5://proxy:1080").ok());
  EXPECT_FALSE(parse_proxy_url("https://proxy:443").ok());
  auto v6 = parse_proxy_url("http://[::1]:3128");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->host, "::1");
}

TEST(Base64, Rfc4648Vectors) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_encode("foob"), "Zm9vYg==");
  EXPECT_EQ(base64_encode("fooba"), "Zm9vYmE=");
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
}

TEST(NoProxy, Matching) {
  EXPECT_TRUE(no_proxy_matches("*", "api.openai.com", 443));
  EXPECT_TRUE(no_proxy_matches("openai.com", "api.openai.com", 443));
  EXPECT_TRUE(no_proxy_matches(".openai.com", "api.openai.com", 443));
  EXPECT_TRUE(no_proxy_matches("*.openai.com", "api.openai.com", 443));
  EXPECT_TRUE(no_proxy_matches("openai.com", "openai.com", 443));
  EXPECT_FALSE(no_proxy_matches("openai.com", "notopenai.com", 443));
  EXPECT_TRUE(no_proxy_matches("localhost, 127.0.0.1", "127.0.0.1", 8080));
  EXPECT_TRUE(no_proxy_matches("a.com,B.COM", "x.b.com", 443));
  EXPECT_TRUE(no_proxy_matches("api.z.ai:443", "api.z.ai", 443));
  EXPECT_FALSE(no_proxy_matches("api.z.ai:8443", "api.z.ai", 443));
  EXPECT_TRUE(no_proxy_matches("10.0.0.0/8", "10.1.2.3", 443));
  EXPECT_FALSE(no_proxy_matches("10.0.0.0/8", "11.1.2.3", 443));
  EXPECT_FALSE(no_proxy_matches("10.0.0.0/8", "ten.example", 443));
  EXPECT_TRUE(no_proxy_matches("[::1]:8080", "::1", 8080));
  EXPECT_FALSE(no_proxy_matches("", "api.openai.com", 443));
  EXPECT_FALSE(no_proxy_matches(" , ", "api.openai.com", 443));
}

TEST(ChooseProxy, ProfileWins) {
  auto p = choose_proxy("http://profile-proxy:1", true, "api.x.com", 443,
                        env({{"HTTPS_PROXY", "http://env:2"}, {"NO_PROXY", "*"}}));
  ASSERT_TRUE(p.ok());
  ASSERT_TRUE(p->has_value());
  EXPECT_EQ((*p)->host, "profile-proxy");
}

TEST(ChooseProxy, EnvironmentBySchemeAndNoProxy) {
  auto vars = env(
      {{"HTTPS_PROXY", "http://s:1"}, {"http_proxy", "http://p:2"}, {"NO_PROXY", "internal.corp"}});
  auto https = choose_proxy("", true, "api.x.com", 443, vars);
  ASSERT_TRUE(https.ok() && https->has_value());
  EXPECT_EQ((*https)->host, "s");
  auto http = choose_proxy("", false, "api.x.com", 80, vars);
  ASSERT_TRUE(http.ok() && http->has_value());
  EXPECT_EQ((*http)->host, "p");
  auto skipped = choose_proxy("", true, "llm.internal.corp", 443, vars);
  ASSERT_TRUE(skipped.ok());
  EXPECT_FALSE(skipped->has_value());
  // Lower-case wins over upper-case, as in curl.
  auto lower = choose_proxy("", true, "h", 443,
                            env({{"https_proxy", "http://low:1"}, {"HTTPS_PROXY", "http://up:1"}}));
  EXPECT_EQ((*lower)->host, "low");
  auto all = choose_proxy("", true, "h", 443, env({{"ALL_PROXY", "http://all:9"}}));
  EXPECT_EQ((*all)->host, "all");
  auto none = choose_proxy("", true, "h", 443, env({}));
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
}

TEST(ChooseProxy, BadEnvironmentValueNamesTheVariable) {
  auto p = choose_proxy("", true, "h", 443, env({{"HTTPS_PROXY", "socks5://x:1"}}));
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.error().find("HTTPS_PROXY"), std::string::npos);
}

}  // namespace
}  // namespace ccproxy::worker
