#include "worker/http/usage_scanner.h"

#include <gtest/gtest.h>

#include <string>

namespace ccproxy::worker {
namespace {

const std::string kStream =
    "event: message_start\n"
    "data: {\"type\":\"message_start\",\"message\":{\"usage\":{\"input_tokens\":12,"
    "\"output_tokens\":1}}}\n\n"
    "event: content_block_delta\n"
    "data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\","
    "\"text\":\"hi\"}}\n\n"
    "event: message_delta\n"
    "data: {\"type\":\"message_delta\",\"usage\":{\"output_tokens\":7}}\n\n";

TEST(UsageScanner, KeepsUsageWhateverTheSplitAndSeesNoErrorInANormalStream) {
  for (std::size_t split = 1; split < kStream.size(); split += 7) {
    UsageScanner scanner;
    scanner.feed(std::string_view(kStream).substr(0, split));
    scanner.feed(std::string_view(kStream).substr(split));
    EXPECT_EQ(scanner.usage().input_tokens, 12) << split;
    EXPECT_EQ(scanner.usage().output_tokens, 7) << split;
    EXPECT_FALSE(scanner.error_seen()) << split;
  }
}

TEST(UsageScanner, SeesAnErrorEventLineEvenWhenSplit) {
  const std::string error =
      "event: error\n"
      "data: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"x\"}}\n\n";
  UsageScanner scanner;
  scanner.feed(kStream);
  scanner.feed(error.substr(0, 8));
  EXPECT_FALSE(scanner.error_seen());  // the line is not complete yet
  scanner.feed(error.substr(8));
  EXPECT_TRUE(scanner.error_seen());
}

TEST(UsageScanner, TheWordErrorInsideTextIsNoErrorEvent) {
  UsageScanner scanner;
  scanner.feed(
      "event: content_block_delta\n"
      "data: {\"type\":\"content_block_delta\",\"delta\":{\"type\":\"text_delta\","
      "\"text\":\"event: error\"}}\n\n");
  EXPECT_FALSE(scanner.error_seen());
}

}  // namespace
}  // namespace ccproxy::worker
