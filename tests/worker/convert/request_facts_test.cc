// The facts routing reads of a request: images wherever a message can carry one, thinking as
// the API defines it, the estimate (the count_tokens one), and a scan that stops once a rule
// has decided.

#include <gtest/gtest.h>

#include <string>

#include "golden_options.h"
#include "worker/convert/count_tokens.h"
#include "worker/convert/request_facts.h"

namespace ccproxy::convert::detail {
namespace {

const char* const kImage =
    R"({"type":"image","source":{"type":"base64","media_type":"image/png","data":"AAAA"}})";

class Facts : public ::testing::Test {
 protected:
  element parse(const std::string& json) {
    auto r = parser_.parse(json);
    EXPECT_EQ(r.error(), simdjson::SUCCESS) << json;
    return r.value_unsafe();
  }
  bool image_in(const std::string& messages) { return messages_have_image(parse(messages)); }
  bool thinking_of(const std::string& fields) {
    return thinking_enabled(parse("{" + fields + "}"));
  }
  simdjson::dom::parser parser_;
};

TEST_F(Facts, ImageInUserContent) {
  EXPECT_TRUE(image_in(std::string(R"([{"role":"user","content":[{"type":"text","text":"see"},)") +
                       kImage + "]}]"));
  // In an earlier message of the session too.
  EXPECT_TRUE(image_in(std::string(R"([{"role":"user","content":[)") + kImage +
                       R"(]},{"role":"assistant","content":"ok"},{"role":"user","content":"q"}])"));
}

TEST_F(Facts, ImageInToolResult) {
  EXPECT_TRUE(
      image_in(std::string(R"([{"role":"user","content":[{"type":"tool_result","tool_use_id":"t",)"
                           R"("content":[{"type":"text","text":"screenshot"},)") +
               kImage + "]}]}]"));
  // A tool result whose content is a string carries no image.
  EXPECT_FALSE(image_in(
      R"([{"role":"user","content":[{"type":"tool_result","tool_use_id":"t","content":"image"}]}])"));
}

TEST_F(Facts, ImageInDocumentContent) {
  EXPECT_TRUE(image_in(std::string(R"([{"role":"user","content":[{"type":"document","source":)"
                                   R"({"type":"content","content":[)") +
                       kImage + "]}}]}]"));
  // A document inside a tool result.
  EXPECT_TRUE(image_in(
      std::string(R"([{"role":"user","content":[{"type":"tool_result","tool_use_id":"t",)"
                  R"("content":[{"type":"document","source":{"type":"content","content":[)") +
      kImage + "]}}]}]}]"));
  // A PDF or a text document is not an image.
  EXPECT_FALSE(
      image_in(R"([{"role":"user","content":[{"type":"document","source":{"type":"base64",)"
               R"("media_type":"application/pdf","data":"JVBERi0="}},{"type":"document","source":)"
               R"({"type":"text","media_type":"text/plain","data":"image"}}]}])"));
}

TEST_F(Facts, NoImage) {
  EXPECT_FALSE(image_in(R"([{"role":"user","content":"an image of a cat"}])"));
  EXPECT_FALSE(
      image_in(R"([{"role":"user","content":[{"type":"text","text":"{\"type\":\"image\"}"}]}])"));
  // Malformed blocks are the converter's to refuse; the scan only passes them by.
  EXPECT_FALSE(image_in(R"([{"role":"user","content":[1,"x",{"type":3},null]},{"role":"user"}])"));
  EXPECT_FALSE(image_in(R"({"not":"an array"})"));
}

TEST_F(Facts, ImageDeeperThanTheEstimateLooksIsNotSeen) {
  std::string content = std::string("[") + kImage + "]";
  for (int depth = 0; depth < 5; ++depth) {
    content = R"([{"type":"tool_result","tool_use_id":"t","content":)" + content + "}]";
  }
  EXPECT_FALSE(image_in(R"([{"role":"user","content":)" + content + "}]"));
}

TEST_F(Facts, Thinking) {
  EXPECT_TRUE(thinking_of(R"("thinking":{"type":"enabled","budget_tokens":1024})"));
  EXPECT_FALSE(thinking_of(R"("thinking":{"type":"disabled"})"));
  EXPECT_FALSE(thinking_of(R"("model":"x")"));
  // Adaptive: high is the API's default effort.
  EXPECT_TRUE(thinking_of(R"("thinking":{"type":"adaptive"})"));
  EXPECT_TRUE(thinking_of(R"("thinking":{"type":"adaptive"},"output_config":{"effort":"high"})"));
  EXPECT_TRUE(thinking_of(R"("thinking":{"type":"adaptive"},"output_config":{"effort":"max"})"));
  EXPECT_FALSE(
      thinking_of(R"("thinking":{"type":"adaptive"},"output_config":{"effort":"medium"})"));
  EXPECT_FALSE(thinking_of(R"("thinking":{"type":"adaptive"},"output_config":{"effort":"low"})"));
  // Effort without thinking is not thinking.
  EXPECT_FALSE(thinking_of(R"("output_config":{"effort":"high"})"));
}

TEST_F(Facts, GatheredOnlyAsWantedAndUntilARuleDecides) {
  worker::ModelMap models = testing::family_models("b", "", "");
  const std::string request = std::string(R"({"model":"claude-opus","max_tokens":5,)") +
                              R"("thinking":{"type":"enabled","budget_tokens":1024},)" +
                              R"("messages":[{"role":"user","content":[)" + kImage + "]}]}";
  const element root = parse(request);
  const EstimateInput input{request.size(), 0, nullptr};
  RequestFacts f = gather_facts(root, "claude-opus", models, FactsWanted{}, input);
  EXPECT_FALSE(f.has_image || f.thinking || f.client_model_passes);
  EXPECT_EQ(f.estimated_tokens, -1);
  EXPECT_EQ(f.family, worker::Tier::big);

  f = gather_facts(root, "claude-opus", models, FactsWanted{false, true, true}, input);
  EXPECT_FALSE(f.has_image);
  EXPECT_TRUE(f.thinking);
  EXPECT_EQ(f.estimated_tokens, *count_tokens(request));  // the count_tokens estimate

  // The image decides (vision is on): no estimate is made.
  f = gather_facts(root, "claude-opus", models, FactsWanted{true, true, true}, input);
  EXPECT_TRUE(f.has_image);
  EXPECT_EQ(f.estimated_tokens, -1);

  // A client model that passes through decides before anything is read.
  f = gather_facts(root, "vendor/model", models, FactsWanted{true, true, true}, input);
  EXPECT_TRUE(f.client_model_passes);
  EXPECT_FALSE(f.has_image);
}

TEST_F(Facts, NoEstimateForABodyTooSmallToPassTheThreshold) {
  const std::string request =
      R"({"model":"claude-opus","max_tokens":5,"messages":[{"role":"user","content":"hello"}]})";
  const element root = parse(request);
  const worker::ModelMap models = testing::family_models("b", "", "");
  const FactsWanted tokens{false, false, true};
  const int64_t bound = estimate_upper_bound(request.size(), 0);
  EXPECT_EQ(gather_facts(root, "claude-opus", models, tokens, {request.size(), bound, nullptr})
                .estimated_tokens,
            -1);
  EXPECT_EQ(gather_facts(root, "claude-opus", models, tokens, {request.size(), bound - 1, nullptr})
                .estimated_tokens,
            *count_tokens(request));
  // Images count whatever their size: a tiny body with images may pass the threshold.
  const std::string with_images =
      R"({"model":"m","max_tokens":5,"messages":[{"role":"user","content":[)" +
      std::string(kImage) + "," + kImage + "]}]}";
  const int64_t estimate = *count_tokens(with_images);
  EXPECT_GT(estimate, 3200);
  EXPECT_EQ(gather_facts(parse(with_images), "m", models, tokens,
                         {with_images.size(), estimate - 1, nullptr})
                .estimated_tokens,
            estimate);
}

// The bound holds for the requests that cost the most tokens per byte: letters and digits
// alternating, escaped line breaks, tiny blocks, messages and tools, numbers in schemas, PDFs.
TEST_F(Facts, UpperBoundIsNeverBelowTheEstimate) {
  std::string a1;
  std::string lines;
  std::string blocks;
  std::string messages;
  std::string tools;
  std::string numbers;
  for (int i = 0; i < 2000; ++i) {
    a1 += "a1";
    lines += "\\na";
    blocks += std::string(i ? "," : "") + R"({"type":"text","text":"a"})";
    messages += std::string(i ? "," : "") + R"({"role":"user","content":"a1"})";
    tools += std::string(i ? "," : "") + R"({"name":"a","input_schema":{"a":1e5}})";
    numbers += std::string(i ? "," : "") + "1E5";
  }
  const std::string head = R"({"model":"m","max_tokens":5,"messages":)";
  const std::string bodies[] = {
      head + R"([{"role":"user","content":")" + a1 + R"("}]})",
      head + R"([{"role":"user","content":")" + lines + R"("}]})",
      head + R"([{"role":"user","content":[)" + blocks + "]}]}",
      head + "[" + messages + "]}",
      head + R"([{"role":"user","content":"a"}],"tools":[)" + tools + "]}",
      head + R"([{"role":"user","content":[{"type":"tool_use","id":"t","name":"n","input":[)" +
          numbers + "]}]}]}",
      head + R"([{"role":"user","content":[{"type":"document","source":{"type":"base64",)" +
          R"("media_type":"application/pdf","data":")" + std::string(8000, 'A') + R"("}}]}]})",
      head + R"([{"role":"user","content":[)" + std::string(kImage) + "]}]}",
  };
  for (const std::string& body : bodies) {
    const element root = parse(body);
    element messages;
    ASSERT_TRUE(get_field(root, "messages", messages)) << body.substr(0, 200);
    const int64_t estimate = *count_tokens(body);
    EXPECT_LE(estimate, estimate_upper_bound(body.size(), count_images(messages, SIZE_MAX)))
        << body.substr(0, 200);
    EXPECT_GT(estimate, 0);
  }
}

TEST_F(Facts, CountsImagesUpToTheLimit) {
  const std::string three = std::string(R"([{"role":"user","content":[)") + kImage + "," + kImage +
                            R"(,{"type":"tool_result","tool_use_id":"t","content":[)" + kImage +
                            "]}]}]";
  EXPECT_EQ(count_images(parse(three), SIZE_MAX), 3u);
  EXPECT_EQ(count_images(parse(three), 1), 1u);
}

}  // namespace
}  // namespace ccproxy::convert::detail
