// The per-thread parsers and buffers keep no more than detail::kIdleCapacity once the
// conversion that needed more is done: one large request does not keep its memory for the
// life of the worker.

#include <gtest/gtest.h>

#include <string>

#include "golden_options.h"
#include "worker/convert/convert.h"
#include "worker/convert/json_access.h"
#include "worker/convert/openai_fields.h"

namespace ccproxy::convert {
namespace {

constexpr size_t kLarge = 3u << 20;  // under the size that gets a parser of its own

std::string large_request() {
  return R"({"model":"claude-sonnet-4","max_tokens":10,"messages":[{"role":"user","content":")" +
         std::string(kLarge, 'x') + R"("}]})";
}

size_t thread_parser_capacity() {
  return detail::thread_parser().capacity();
}

TEST(IdleMemory, TheThreadParserShrinksAfterALargeRequest) {
  const std::string body = large_request();
  auto translated = to_openai_request(body, testing::golden_request_options());
  ASSERT_TRUE(translated.ok()) << translated.error().message;
  EXPECT_LE(thread_parser_capacity(), detail::kIdleCapacity);

  auto passed = to_passthrough_request(body, testing::golden_request_options());
  ASSERT_TRUE(passed.ok()) << passed.error().message;
  EXPECT_LE(thread_parser_capacity(), detail::kIdleCapacity);

  auto tokens = count_tokens(body);
  ASSERT_TRUE(tokens.ok());
  EXPECT_LE(thread_parser_capacity(), detail::kIdleCapacity);

  // A refused large request too.
  auto refused =
      to_openai_request(body.substr(0, body.size() - 1), testing::golden_request_options());
  ASSERT_FALSE(refused.ok());
  EXPECT_LE(thread_parser_capacity(), detail::kIdleCapacity);
}

TEST(IdleMemory, AnOrdinaryRequestKeepsTheParserForTheNext) {
  const std::string body = testing::claude_code_fixture();
  ASSERT_TRUE(to_openai_request(body, testing::golden_request_options()).ok());
  EXPECT_GE(thread_parser_capacity(), body.size());
}

TEST(IdleMemory, TheThreadParserShrinksAfterALargeResponse) {
  const std::string body = R"({"choices":[{"message":{"role":"assistant","content":")" +
                           std::string(kLarge, 'y') + R"("},"finish_reason":"stop"}]})";
  auto converted = to_anthropic_response(body, testing::golden_response_context());
  ASSERT_TRUE(converted.ok()) << converted.error().message;
  EXPECT_LE(thread_parser_capacity(), detail::kIdleCapacity);
}

TEST(IdleMemory, TheThreadParserShrinksAfterALargeStreamEvent) {
  StreamTranslator translator(testing::golden_response_context());
  std::string out;
  translator.feed(
      R"(data: {"choices":[{"delta":{"content":")" + std::string(kLarge, 'z') + "\"}}]}\n\n", out);
  EXPECT_NE(out.find("zzzz"), std::string::npos);
  EXPECT_LE(thread_parser_capacity(), detail::kIdleCapacity);
  translator.feed("data: {\"choices\":[{\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n", out);
  translator.finish(out);
  EXPECT_NE(out.find("message_stop"), std::string::npos);
  EXPECT_LE(thread_parser_capacity(), detail::kIdleCapacity);
}

TEST(IdleMemory, TheArgumentsParserShrinksAfterARepairedLargeArgument) {
  // Under 1 MB as sent, over it once each invalid byte is replaced by U+FFFD (3 bytes).
  std::string arguments = R"({"a":")";
  arguments.append(900u << 10, '\xff');
  arguments.append("\"}");
  std::string out;
  detail::append_tool_input(out, arguments);
  EXPECT_EQ(out.rfind("{\"a\":\"\xEF\xBF\xBD", 0), 0u);
  EXPECT_LE(detail::arguments_parser().capacity(), detail::kIdleCapacity);
}

}  // namespace
}  // namespace ccproxy::convert
