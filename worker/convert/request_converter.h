#pragma once
// RequestConverter: one parsed Anthropic request written out as the OpenAI request, checked
// as it goes. The class is implemented in parts:
//   request_converter.cc  the top level: model, max_tokens, system prompt, sampling options
//   request_messages.cc   the messages: user and assistant turns, system messages
//   request_media.cc      images and documents (base64, URL, text sources)
//   request_tools.cc      tool definitions, tool_choice, tool results
// convert_request (request.cc) parses the body and uses a stored tool list when it can.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "worker/convert/joined_text.h"
#include "worker/convert/json_access.h"
#include "worker/convert/json_path.h"
#include "worker/convert/providers/provider_rules.h"
#include "worker/convert/request.h"
#include "worker/convert/tool_cache.h"

namespace ccproxy::convert::detail {

/// Validates and converts an Anthropic request. With `for_passthrough`, content the OpenAI
/// format cannot carry (PDF documents, file sources) is not an error: the Anthropic upstream
/// takes it as is. When the body had to be repaired to parse (invalid UTF-8, lone surrogate
/// escapes), the repaired text is stored in `*repaired_body` (left empty otherwise).
Result<ConvertedRequest, ApiError> convert_request(std::string_view body,
                                                   const RequestOptions& options,
                                                   bool for_passthrough,
                                                   std::string* repaired_body = nullptr);

inline ApiError invalid(std::string message) {
  return ApiError{400, "invalid_request_error", std::move(message)};
}

class RequestConverter {
 public:
  RequestConverter(const RequestOptions& options, size_t body_size, bool for_passthrough)
      : options_(options),
        body_size_(body_size),
        reserve_hint_(body_size + body_size / 8 + 1024),
        for_passthrough_(for_passthrough) {}

  bool convert(element root, ConvertedRequest& result);
  ApiError take_error() { return std::move(error_); }

  /// The tool list was converted before: `convert` writes `cached` instead of reading `tools`.
  void use_tools(const ToolListCache::Entry* cached) { cached_tools_ = cached; }
  /// After a successful `convert`: the converted tool list and its number of tools (nullopt
  /// when the request had no tool list).
  const std::optional<std::pair<std::string, size_t>>& converted_tools() const {
    return converted_tools_;
  }

 private:
  /// The top-level fields every request must have, checked.
  struct Head {
    std::string_view model;
    int64_t max_tokens = 0;
    element messages;
    bool stream = false;
  };
  /// What the blocks of a user turn hold, found while its tool results are written.
  struct UserTurn;
  class UserMessage;

  bool fail(std::string message) {
    error_ = invalid(std::move(message));
    return false;
  }

  // request_converter.cc
  bool read_head(element root, Head& head);
  /// The routing rules' choice: result.route and result.upstream_model.
  void route(element root, std::string_view client_model, ConvertedRequest& result) const;
  /// Refuses a pass-through request that names a top-level member ccproxy reads twice.
  bool check_unique_keys(simdjson::dom::object root);
  bool check_thinking(element thinking);
  /// output_config.effort, for the thinking switch.
  void read_effort(element root);
  /// The provider of the upstream model, and its thinking switch written.
  void apply_provider_rules(ConvertedRequest& result);
  int64_t clamped_max_tokens(int64_t requested) const;
  bool write_system(element system);
  /// `{"role":<role>,"content":<text>},` (a message whose content is one string).
  void write_text_message(std::string_view role, std::string_view text);
  /// Text of a list of blocks (system prompt, system messages): text blocks are joined, other
  /// block types are skipped.
  bool text_of_blocks(element content, const Path& path, JoinedText& joined);
  bool write_sampling(element root);
  bool write_stop_sequences(element stops);

  // request_messages.cc
  bool write_messages(element messages);
  bool write_message(element message, const Path& path);
  /// A content block must be an object with a string `type`.
  bool block_type(element block, const Path& path, std::string_view& type);
  bool write_system_message(element content, const Path& path);
  bool write_user(element content, const Path& path);
  bool write_user_tool_results(simdjson::dom::array blocks, const Path& path, UserTurn& turn);
  bool write_user_message(simdjson::dom::array blocks, const Path& path, UserTurn& turn);
  bool write_user_block(element block, const Path& path, UserTurn& turn, UserMessage& message);
  bool write_assistant(element content, const Path& path);
  /// The reasoning of an assistant turn, as its provider wants it back (see providers::).
  void write_history_reasoning(simdjson::dom::array blocks, bool has_tools);
  /// The thinking text of the blocks whose signature verifies for this provider and model.
  bool verified_thinking(simdjson::dom::array blocks, std::string& text);
  bool check_assistant_block(element block, const Path& path, bool& has_text, bool& has_tools,
                             bool& has_thinking);
  /// The `field` strings of the blocks of type `type`, joined into one escaped JSON string.
  void append_joined(simdjson::dom::array blocks, std::string_view type, std::string_view field,
                     bool quoted = true);

  // request_media.cc
  /// The block's `source` object and its `type`.
  bool media_source(element block, const Path& path, element& source, std::string_view& type);
  bool image_url(element block, const Path& path, std::string& url);
  bool document_text(element block, const Path& path, std::string& text, bool degrade_unsupported);
  bool document_content_text(element source, const Path& path, std::string& text);
  bool document_base64_text(element source, const Path& path, std::string& text);
  bool unsupported_document(std::string_view type, std::string_view media_type, const Path& path,
                            std::string& text, bool degrade_unsupported);

  // request_tools.cc
  /// `,"tools":[...]` and `,"tool_choice":...` from the stored or the request's tool list.
  bool write_tools(element root, ConvertedRequest& result);
  /// `,"tools":[...]` (nothing when no tool is callable); `written`: the tools written.
  bool write_tool_list(element tools, size_t& written);
  /// The stored tool list was converted for another provider: this provider's conversion.
  bool write_tools_for_provider(ConvertedRequest& result, size_t& written);
  bool check_tool_count(size_t written);
  bool write_tool(element tool, const Path& path, size_t& written);
  bool write_tool_choice(element tool_choice);
  bool write_tool_result(element block, const Path& path, std::string_view id,
                         std::vector<element>& images);
  /// The text a part of a tool result's content adds (`scratch` may hold it).
  bool tool_result_part_text(element part, const Path& path, std::vector<element>& images,
                             std::string& scratch, std::string_view& text);
  /// An assistant message's tool_use blocks as `,"tool_calls":[...]`; each call then waits
  /// for its result.
  void write_tool_calls(simdjson::dom::array blocks);
  /// A tool_result whose call is not in the previous assistant message, as user text.
  void orphan_tool_result_text(element block, std::string& text);
  bool write_pending_placeholders();

  const RequestOptions& options_;
  size_t body_size_;      // the request body as sent (routing's estimate bound)
  size_t reserve_hint_;   // the output is about the size of the input: one allocation
  bool for_passthrough_;  // only validating: what OpenAI cannot carry is not an error
  ApiError error_;
  std::string out_;
  std::string scratch_;
  // Tool calls of the previous assistant message still waiting for their results.
  std::vector<std::string_view> pending_ids_;
  std::vector<bool> answered_;
  const ToolListCache::Entry* cached_tools_ = nullptr;
  const providers::ProviderRules* rules_ = nullptr;  // set once the model is known
  std::string_view upstream_model_;
  providers::ThinkingRequest thinking_;
  bool thinking_on_ = false;  // the provider will reason: reasoning in history is required
  bool skip_billing_header_ = false;
  std::optional<std::pair<std::string, size_t>> converted_tools_;
};

}  // namespace ccproxy::convert::detail
