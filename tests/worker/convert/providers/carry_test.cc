#include "worker/convert/providers/carry.h"

#include <gtest/gtest.h>

#include <string>

namespace ccproxy::convert::providers {
namespace {

using worker::Provider;

TEST(Carry, ChecksumIgnoresHowTheTextIsSplit) {
  const std::string text = "The quick brown fox jumps over the lazy dog, twice over.";
  Checksum whole;
  whole.add(text);
  for (size_t cut = 0; cut <= text.size(); ++cut) {
    Checksum parts;
    parts.add(text.substr(0, cut));
    parts.add(text.substr(cut));
    EXPECT_EQ(parts.value(), whole.value()) << cut;
  }
  Checksum other;
  other.add(text + ".");
  EXPECT_NE(other.value(), whole.value());
}

TEST(Carry, ThinkingSignatureVerifiesOnlyForItsProviderModelAndText) {
  const std::string sig = sign_thinking(Provider::kimi, "kimi-k2-thinking", "let me think");
  EXPECT_EQ(sig.rfind("ccp1.kimi.", 0), 0u) << sig;
  EXPECT_TRUE(thinking_verifies(sig, Provider::kimi, "kimi-k2-thinking", "let me think"));
  EXPECT_FALSE(thinking_verifies(sig, Provider::kimi, "kimi-k2-thinking", "let me think!"));
  EXPECT_FALSE(thinking_verifies(sig, Provider::kimi, "kimi-k2.5", "let me think"));
  EXPECT_FALSE(thinking_verifies(sig, Provider::deepseek, "kimi-k2-thinking", "let me think"));
  std::string damaged = sig;
  damaged.back() = damaged.back() == '0' ? '1' : '0';
  EXPECT_FALSE(thinking_verifies(damaged, Provider::kimi, "kimi-k2-thinking", "let me think"));
  for (std::string bad : {"", "ccp1.kimi.", "ccp2.kimi.0000000000000000", "EqQBCkgIARAB...",
                          "ccp1.kimi.zzzzzzzzzzzzzzzz"}) {
    EXPECT_FALSE(thinking_verifies(bad, Provider::kimi, "kimi-k2-thinking", "let me think"));
  }
}

TEST(Carry, StreamedSignatureEqualsWholeSignature) {
  ThinkingSigner signer;
  signer.start(Provider::minimax, "MiniMax-M2");
  signer.add("part one, ");
  signer.add("part two");
  EXPECT_EQ(signer.signature(),
            sign_thinking(Provider::minimax, "MiniMax-M2", "part one, part two"));
}

TEST(Carry, ToolIdCarriesAValueBack) {
  const std::string value = std::string("Cp0BAXLI2nz+/=\0\xff", 17);
  const std::string id = tool_id_with_value("call_abc", Provider::gemini, "gemini-3-pro", value);
  EXPECT_EQ(
      id.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"),
      std::string::npos)
      << id;
  const CarriedToolId back = read_tool_id(id, Provider::gemini, "gemini-3-pro");
  EXPECT_EQ(back.id, "call_abc");
  EXPECT_EQ(back.value, value);
  EXPECT_EQ(plain_tool_id(id), "call_abc");
  // Another model or provider: the id is still the provider's, the value is dropped.
  EXPECT_EQ(read_tool_id(id, Provider::gemini, "gemini-2.5-pro").id, "call_abc");
  EXPECT_EQ(read_tool_id(id, Provider::gemini, "gemini-2.5-pro").value, "");
  EXPECT_EQ(read_tool_id(id, Provider::kimi, "gemini-3-pro").value, "");
  // Damaged: dropped, never a crash.
  std::string damaged = id;
  damaged.back() = damaged.back() == 'A' ? 'B' : 'A';
  EXPECT_EQ(read_tool_id(damaged, Provider::gemini, "gemini-3-pro").value, "");
  EXPECT_EQ(read_tool_id("toolu_01", Provider::gemini, "gemini-3-pro").id, "toolu_01");
  EXPECT_EQ(read_tool_id("a__ccp1_xyz", Provider::gemini, "m").id, "a__ccp1_xyz");
  EXPECT_EQ(read_tool_id("a__ccp1_0123456789abcdef_!!", Provider::gemini, "m").value, "");
}

}  // namespace
}  // namespace ccproxy::convert::providers
