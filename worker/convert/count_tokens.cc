// count_tokens: an estimate over everything the model would read.

#include <cmath>
#include <string>
#include <string_view>

#include "worker/convert/count_tokens.h"
#include "worker/convert/json_access.h"
#include "worker/convert/json_writer.h"
#include "worker/convert/text_estimate_cache.h"
#include "worker/convert/token_estimate.h"

namespace ccproxy::convert {
namespace {

using detail::element;
using detail::get_field;
using detail::get_string;

constexpr double kRequestOverhead = 4;
constexpr double kMessageOverhead = 4;
constexpr double kBlockOverhead = 1;
constexpr double kToolUseOverhead = 6;
constexpr double kToolResultOverhead = 6;
constexpr double kImageTokens = 1600;  // a typical screenshot after Anthropic's resizing
constexpr double kToolDefinitionOverhead = 12;
constexpr double kToolsPreamble = 250;     // the tool-use system prompt added when tools exist
constexpr double kMaxTokensPerByte = 1.2;  // estimate_upper_bound: above the worst case, 1.12

class Estimator {
 public:
  double json(element e) {
    scratch_.clear();
    append_dom(scratch_, e);
    return cached_text_tokens(scratch_);
  }

  double blocks(element content, int depth) {
    if (detail::is_string(content)) {
      return cached_text_tokens(std::string_view(content));
    }
    if (!detail::is_array(content) || depth > 4) {
      return 0;
    }
    double total = 0;
    for (element block : simdjson::dom::array(content)) {
      total += kBlockOverhead;
      std::string_view type;
      get_string(block, "type", type);
      std::string_view text;
      element e;
      if (type == "image") {
        total += kImageTokens;
      } else if (type == "tool_use" || type == "server_tool_use") {
        total += kToolUseOverhead;
        if (get_string(block, "name", text)) {
          total += cached_text_tokens(text);
        }
        if (get_field(block, "input", e)) {
          total += json(e);
        }
      } else if (type == "tool_result" || type == "web_search_tool_result") {
        total += kToolResultOverhead;
        if (get_field(block, "content", e)) {
          total += blocks(e, depth + 1);
        }
      } else if (type == "thinking") {
        if (get_string(block, "thinking", text)) {
          total += cached_text_tokens(text);
        }
      } else if (type == "document") {
        element source;
        if (get_field(block, "source", source)) {
          std::string_view media;
          get_string(source, "media_type", media);
          if (get_string(source, "data", text)) {
            // Base64 PDFs: roughly a page per 3 KB of base64, ~1,500 tokens a page.
            total += media == "application/pdf" ? double(text.size()) / 3000.0 * 1500.0
                                                : cached_text_tokens(text);
          } else if (get_field(source, "content", e)) {
            total += blocks(e, depth + 1);
          }
        }
      } else if (get_string(block, "text", text)) {
        total += cached_text_tokens(text);
      }
    }
    return total;
  }

 private:
  std::string scratch_;
};

}  // namespace

Result<int64_t, ApiError> count_tokens(std::string_view anthropic_body) {
  const detail::ThreadParserTrim trim;
  simdjson::dom::parser local;
  simdjson::dom::parser& parser =
      anthropic_body.size() <= (4u << 20) ? detail::thread_parser() : local;
  std::string scratch;
  element root;
  if (auto error = detail::parse_lenient(parser, anthropic_body, scratch, root); error) {
    return fail(
        ApiError{400, "invalid_request_error",
                 std::string("body: not valid JSON (") + simdjson::error_message(error) + ")"});
  }
  if (!detail::is_object(root)) {
    return fail(ApiError{400, "invalid_request_error", "body: expected a JSON object"});
  }
  element messages;
  if (!get_field(root, "messages", messages)) {
    return fail(ApiError{400, "invalid_request_error", "messages: field required"});
  }
  if (!detail::is_array(messages)) {
    return fail(ApiError{
        400, "invalid_request_error",
        std::string("messages: expected an array, got ") + detail::type_name(messages.type())});
  }
  return detail::estimate_request_tokens(root);
}

namespace detail {

double estimate_without_tools(const element& root) {
  Estimator estimator;
  double total = kRequestOverhead;
  element e;
  if (get_field(root, "system", e)) {
    total += estimator.blocks(e, 0);
  }
  element messages;
  if (get_field(root, "messages", messages) && is_array(messages)) {
    for (element message : simdjson::dom::array(messages)) {
      total += kMessageOverhead;
      if (get_field(message, "content", e)) {
        total += estimator.blocks(e, 0);
      }
    }
  }
  return total;
}

double estimate_tool_list(const element& tools) {
  if (!is_array(tools)) {
    return 0;
  }
  Estimator estimator;
  double total = 0;
  bool any = false;
  for (element tool : simdjson::dom::array(tools)) {
    std::string_view text;
    total += kToolDefinitionOverhead;
    any = true;
    if (get_string(tool, "name", text)) {
      total += cached_text_tokens(text);
    }
    if (get_string(tool, "description", text)) {
      total += cached_text_tokens(text);
    }
    element schema;
    if (get_field(tool, "input_schema", schema)) {
      total += estimator.json(schema);
    }
  }
  return any ? total + kToolsPreamble : 0;
}

int64_t estimate_request_tokens(const element& root) {
  element tools;
  const double tool_part = get_field(root, "tools", tools) ? estimate_tool_list(tools) : 0;
  return rounded_estimate(estimate_without_tools(root), tool_part);
}

int64_t rounded_estimate(double without_tools, double tool_list) {
  return int64_t(std::llround(without_tools + tool_list));
}

int64_t estimate_upper_bound(std::size_t body_bytes, std::size_t images) {
  // No byte of a valid request's JSON adds more than about 1.12 tokens: text tops out at a
  // letter and a digit alternating (1.05 a byte; a line break is two bytes escaped), numbers
  // rewritten in a schema at 1.12, and every overhead (a message, a block, a tool) comes with
  // more bytes of JSON than it counts. Images count whatever their size.
  return int64_t(double(body_bytes) * kMaxTokensPerByte) + int64_t(images) * int64_t(kImageTokens) +
         int64_t(kRequestOverhead + kToolsPreamble) + 1;
}

}  // namespace detail

}  // namespace ccproxy::convert
