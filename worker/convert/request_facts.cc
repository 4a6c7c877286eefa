#include "worker/convert/request_facts.h"

#include <cstdint>

#include "worker/convert/count_tokens.h"
#include "worker/convert/model_mapping.h"

namespace ccproxy::convert::detail {
namespace {

// As deep as count_tokens looks: a tool result in a document in a tool result is far enough.
constexpr int kMaxDepth = 4;

void count_in_blocks(element content, int depth, std::size_t limit, std::size_t& images) {
  if (!is_array(content) || depth > kMaxDepth) {
    return;
  }
  for (element block : simdjson::dom::array(content)) {
    std::string_view type;
    if (images >= limit || !get_string(block, "type", type)) {
      continue;
    }
    element inner;
    if (type == "image") {
      ++images;
    } else if (type == "tool_result") {
      if (get_field(block, "content", inner)) {
        count_in_blocks(inner, depth + 1, limit, images);
      }
    } else if (type == "document") {
      element source;
      if (get_field(block, "source", source) && get_field(source, "content", inner)) {
        count_in_blocks(inner, depth + 1, limit, images);
      }
    }
  }
}

/// The count_tokens estimate of `root`, with a stored tool list's part kept in its entry.
int64_t estimate(element root, const ToolListCache::Entry* cached_tools) {
  if (cached_tools == nullptr) {
    return estimate_request_tokens(root);
  }
  if (cached_tools->tool_tokens < 0) {
    simdjson::dom::parser parser;  // the thread's parser holds `root`
    element tools;
    cached_tools->tool_tokens = parser.parse(cached_tools->raw).get(tools) == simdjson::SUCCESS
                                    ? estimate_tool_list(tools)
                                    : 0;
  }
  return rounded_estimate(estimate_without_tools(root), cached_tools->tool_tokens);
}

}  // namespace

std::size_t count_images(element messages, std::size_t limit) {
  std::size_t images = 0;
  if (!is_array(messages)) {
    return images;
  }
  for (element message : simdjson::dom::array(messages)) {
    element content;
    if (images < limit && get_field(message, "content", content)) {
      count_in_blocks(content, 0, limit, images);
    }
  }
  return images;
}

bool thinking_enabled(element root) {
  element thinking;
  std::string_view type;
  if (!get_field(root, "thinking", thinking) || !get_string(thinking, "type", type)) {
    return false;
  }
  if (type == "enabled") {
    return true;
  }
  if (type != "adaptive") {
    return false;
  }
  element config;
  std::string_view effort;
  if (!get_field(root, "output_config", config) || !get_string(config, "effort", effort)) {
    return true;
  }
  return effort == "high" || effort == "xhigh" || effort == "max";
}

RequestFacts gather_facts(element root, std::string_view client_model,
                          const worker::ModelMap& models, FactsWanted wanted,
                          const EstimateInput& input) {
  RequestFacts facts;
  facts.client_model_passes = passes_through(client_model, models);
  facts.family = family_tier(client_model);
  if (facts.client_model_passes) {
    return facts;
  }
  element messages;
  const bool has_messages = get_field(root, "messages", messages);
  if (wanted.image && has_messages) {
    facts.has_image = messages_have_image(messages);
    if (facts.has_image) {
      return facts;
    }
  }
  if (wanted.thinking) {
    facts.thinking = thinking_enabled(root);
  }
  if (wanted.tokens) {
    // Images count 1,600 tokens whatever their size: the bound needs their number (none when
    // the vision rule already looked).
    const std::size_t images = wanted.image || !has_messages ? 0 : count_images(messages, SIZE_MAX);
    if (estimate_upper_bound(input.body_bytes, images) > input.threshold) {
      facts.estimated_tokens = estimate(root, input.cached_tools);
    }
  }
  return facts;
}

}  // namespace ccproxy::convert::detail
