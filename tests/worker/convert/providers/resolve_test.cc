#include "worker/convert/providers/resolve.h"

#include <gtest/gtest.h>

namespace ccproxy::convert::providers {
namespace {

using worker::Provider;

worker::UpstreamConfig upstream(std::string base_url, Provider pin = Provider::automatic) {
  worker::UpstreamConfig u;
  u.base_url = std::move(base_url);
  u.provider = pin;
  return u;
}

TEST(Resolve, ModelIdsAsRoutersAndProvidersWriteThem) {
  const auto requesty = upstream("https://router.requesty.ai/v1");
  EXPECT_EQ(resolve_provider(requesty, "google/gemini-2.5-flash"), Provider::gemini);
  EXPECT_EQ(resolve_provider(requesty, "gemini-3-pro-preview"), Provider::gemini);
  EXPECT_EQ(resolve_provider(requesty, "moonshotai/kimi-k2-thinking"), Provider::kimi);
  EXPECT_EQ(resolve_provider(requesty, "groq/moonshotai/Kimi-K2-Instruct-0905"), Provider::kimi);
  EXPECT_EQ(resolve_provider(requesty, "deepseek/deepseek-reasoner"), Provider::deepseek);
  EXPECT_EQ(resolve_provider(requesty, "minimaxi/MiniMax-M2"), Provider::minimax);
  EXPECT_EQ(resolve_provider(requesty, "zai/GLM-4.6"), Provider::glm);
  EXPECT_EQ(resolve_provider(requesty, "openai/gpt-5"), Provider::openai);
  EXPECT_EQ(resolve_provider(requesty, "gpt-4o"), Provider::openai);
  EXPECT_EQ(resolve_provider(requesty, "o3-mini"), Provider::openai);
  EXPECT_EQ(resolve_provider(requesty, "mistral/mistral-large"), Provider::generic);
  EXPECT_EQ(resolve_provider(requesty, "ollama-model"), Provider::generic);
}

TEST(Resolve, HostsOfTheProvidersOwnEndpoints) {
  EXPECT_EQ(resolve_provider(upstream("https://generativelanguage.googleapis.com/v1beta/openai"),
                             "my-tuned-model"),
            Provider::gemini);
  EXPECT_EQ(resolve_provider(upstream("https://api.moonshot.ai/v1"), "x"), Provider::kimi);
  EXPECT_EQ(resolve_provider(upstream("https://api.deepseek.com"), "x"), Provider::deepseek);
  EXPECT_EQ(resolve_provider(upstream("https://api.minimax.io/v1"), "x"), Provider::minimax);
  EXPECT_EQ(resolve_provider(upstream("https://api.z.ai/api/paas/v4"), "x"), Provider::glm);
  EXPECT_EQ(resolve_provider(upstream("https://open.bigmodel.cn/api/paas/v4"), "x"), Provider::glm);
  EXPECT_EQ(resolve_provider(upstream("https://api.openai.com/v1"), "x"), Provider::openai);
  EXPECT_EQ(resolve_provider(upstream("https://notz.ai/v1"), "x"), Provider::generic);
  EXPECT_EQ(resolve_provider(upstream("http://127.0.0.1:8080/v1"), "x"), Provider::generic);
}

TEST(Resolve, AProfilePinWins) {
  EXPECT_EQ(resolve_provider(upstream("https://router.requesty.ai/v1", Provider::deepseek),
                             "google/gemini-2.5-flash"),
            Provider::deepseek);
  EXPECT_EQ(resolve_provider(upstream("http://127.0.0.1:1/v1", Provider::generic), "kimi-k2"),
            Provider::generic);
}

TEST(Resolve, UrlHost) {
  EXPECT_EQ(url_host("https://user:pw@api.z.ai:443/x"), "api.z.ai");
  EXPECT_EQ(url_host("http://[::1]:8080/v1"), "[::1]");
  EXPECT_EQ(url_host("not a url"), "");
}

}  // namespace
}  // namespace ccproxy::convert::providers
