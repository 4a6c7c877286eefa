#pragma once
// The facts routing reads (routing.h), gathered from a parsed request in one pass.

#include <cstddef>
#include <string_view>

#include "worker/convert/json_access.h"
#include "worker/convert/routing.h"
#include "worker/convert/tool_cache.h"

namespace ccproxy::convert::detail {

/// The image blocks in the messages, counted up to `limit`: in a message's content, in a tool
/// result's content, in a document whose source is content blocks (a PDF is a document, not an
/// image). As deep as count_tokens looks.
std::size_t count_images(element messages, std::size_t limit);
inline bool messages_have_image(element messages) {
  return count_images(messages, 1) > 0;
}

/// `thinking.type` "enabled", or "adaptive" with output_config.effort "high", "xhigh" or
/// "max" (or no effort: the API's default is high).
bool thinking_enabled(element root);

/// What the estimate needs beside the parsed request.
struct EstimateInput {
  std::size_t body_bytes = 0;  // the whole body as the client sent it
  int64_t threshold = 0;       // long_context_tokens
  /// The stored tool list `root`'s `tools` stands for (the body was parsed without it).
  const ToolListCache::Entry* cached_tools = nullptr;
};

/// The facts of the request `root`, only those `wanted`. Nothing is read past the first rule
/// that decides: a client model that passes through ends the scan, as does an image when the
/// vision rule is on. The estimate, the costly part, is made only when it can matter: not for
/// a body too small to pass the threshold (estimate_upper_bound; estimated_tokens stays -1).
RequestFacts gather_facts(element root, std::string_view client_model,
                          const worker::ModelMap& models, FactsWanted wanted,
                          const EstimateInput& estimate);

}  // namespace ccproxy::convert::detail
