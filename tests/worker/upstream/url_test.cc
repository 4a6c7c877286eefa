#include "worker/upstream/url.h"

#include <gtest/gtest.h>

namespace ccproxy::worker {
namespace {

UpstreamEndpoint parse(std::string_view url, UpstreamFormat f = UpstreamFormat::openai) {
  auto r = parse_upstream(url, f);
  EXPECT_TRUE(r.ok()) << r.error();
  return r.ok() ? *r : UpstreamEndpoint{};
}

TEST(UpstreamUrl, OpenAiJoining) {
  auto e = parse("https://router.requesty.ai/v1");
  EXPECT_TRUE(e.tls);
  EXPECT_EQ(e.host, "router.requesty.ai");
  EXPECT_EQ(e.port, 443);
  EXPECT_EQ(e.target, "/v1/chat/completions");
  EXPECT_EQ(e.host_header, "router.requesty.ai");
  EXPECT_EQ(parse("https://openrouter.ai/api/v1/").target, "/api/v1/chat/completions");
  EXPECT_EQ(parse("https://x.ai/v1/chat/completions").target, "/v1/chat/completions");
  EXPECT_EQ(parse("https://x.ai").target, "/chat/completions");
}

TEST(UpstreamUrl, AnthropicJoining) {
  auto f = UpstreamFormat::anthropic;
  EXPECT_EQ(parse("https://api.z.ai/api/anthropic", f).target, "/api/anthropic/v1/messages");
  EXPECT_EQ(parse("https://api.anthropic.com", f).target, "/v1/messages");
  EXPECT_EQ(parse("https://api.anthropic.com/", f).target, "/v1/messages");
  EXPECT_EQ(parse("https://api.anthropic.com/v1", f).target, "/v1/messages");
  EXPECT_EQ(parse("https://h/anthropic/v1/messages", f).target, "/anthropic/v1/messages");
}

TEST(UpstreamUrl, PortsQueryAndPlainHttp) {
  auto e = parse("http://127.0.0.1:8080/v1?api-version=2024-10-01");
  EXPECT_FALSE(e.tls);
  EXPECT_EQ(e.port, 8080);
  EXPECT_EQ(e.host_header, "127.0.0.1:8080");
  EXPECT_EQ(e.target, "/v1/chat/completions?api-version=2024-10-01");
  EXPECT_EQ(parse("https://h:443/v1").host_header, "h");
  auto v6 = parse("http://[::1]:9000/v1");
  EXPECT_EQ(v6.host, "::1");
  EXPECT_EQ(v6.host_header, "[::1]:9000");
}

TEST(UpstreamUrl, Refusals) {
  EXPECT_FALSE(parse_upstream("ftp://h/v1", UpstreamFormat::openai).ok());
  EXPECT_FALSE(parse_upstream("not a url", UpstreamFormat::openai).ok());
  EXPECT_FALSE(parse_upstream("https:///v1", UpstreamFormat::openai).ok());
}

}  // namespace
}  // namespace ccproxy::worker
