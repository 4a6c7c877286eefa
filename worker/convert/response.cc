// A whole OpenAI chat-completions response -> the Anthropic Messages response.

#include <string>
#include <string_view>

#include "worker/convert/convert.h"
#include "worker/convert/json_access.h"
#include "worker/convert/json_writer.h"
#include "worker/convert/openai_fields.h"

namespace ccproxy::convert {
namespace {

using detail::element;
using detail::get_field;
using detail::get_string;

ApiError bad_upstream(std::string message) {
  return ApiError{502, "api_error", std::move(message)};
}

void append_usage(std::string& out, const Usage& usage) {
  out.append("{\"input_tokens\":");
  append_int(out, usage.input_tokens);
  out.append(",\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":");
  append_int(out, usage.cache_read_input_tokens);
  out.append(",\"output_tokens\":");
  append_int(out, usage.output_tokens);
  out.push_back('}');
}

}  // namespace

Result<AnthropicResponse, ApiError> to_anthropic_response(std::string_view openai_body,
                                                          const ResponseContext& context) {
  simdjson::dom::parser local;
  simdjson::dom::parser& parser =
      openai_body.size() <= (4u << 20) ? detail::thread_parser() : local;
  std::string scratch;
  element root;
  if (auto error = detail::parse_lenient(parser, openai_body, scratch, root); error) {
    return fail(bad_upstream(std::string("upstream returned a response that is not valid JSON (") +
                             simdjson::error_message(error) + ")"));
  }
  if (!detail::is_object(root)) {
    return fail(bad_upstream("upstream returned a response that is not a JSON object"));
  }
  ApiError upstream;
  if (detail::read_openai_error(root, openai_body, upstream)) {
    return fail(std::move(upstream));
  }
  AnthropicResponse result;
  element e;
  if (get_field(root, "usage", e)) {
    detail::read_openai_usage(e, result.usage);
  }
  element choice;
  bool has_choice = false;
  if (get_field(root, "choices", e) && detail::is_array(e)) {
    for (element c : simdjson::dom::array(e)) {
      choice = c;
      has_choice = detail::is_object(c);
      break;
    }
  }
  if (!has_choice) {
    return fail(bad_upstream("upstream response has no choices"));
  }
  if (get_field(choice, "usage", e)) {
    detail::read_openai_usage(e, result.usage);  // Moonshot puts usage inside the choice
  }
  element message;
  const bool has_message = get_field(choice, "message", message) && detail::is_object(message);

  std::string_view finish_reason;
  get_string(choice, "finish_reason", finish_reason);

  std::string& out = result.body;
  out.reserve(512 + openai_body.size());
  out.append("{\"id\":");
  append_json_string(out, context.message_id);
  out.append(",\"type\":\"message\",\"role\":\"assistant\",\"model\":");
  append_json_string(out, context.model);
  out.append(",\"content\":[");

  bool any_block = false;
  auto open_block = [&]() {
    if (any_block) {
      out.push_back(',');
    }
    any_block = true;
  };

  // Content text: a string, or (some providers) a list of text parts.
  std::string joined;
  std::string_view content;
  if (has_message && get_field(message, "content", e)) {
    if (detail::is_string(e)) {
      content = std::string_view(e);
    } else if (detail::is_array(e)) {
      for (element part : simdjson::dom::array(e)) {
        std::string_view t;
        if (get_string(part, "text", t)) {
          joined.append(t);
        }
      }
      content = joined;
    }
  }
  std::string_view thinking;
  std::string_view text = content;
  bool has_thinking = false;
  if (has_message &&
      (get_string(message, "reasoning_content", thinking) ||
       get_string(message, "reasoning", thinking)) &&
      !thinking.empty()) {
    has_thinking = true;
  }
  std::string_view think_tag_text;
  std::string_view after_think;
  if (detail::split_think(content, think_tag_text, after_think)) {
    text = after_think;
    if (!has_thinking) {
      thinking = think_tag_text;
      has_thinking = !thinking.empty();
    }
  }
  if (has_thinking) {
    open_block();
    out.append("{\"type\":\"thinking\",\"thinking\":");
    append_json_string(out, thinking);
    out.append(",\"signature\":\"\"}");
  }
  std::string_view refusal;
  if (text.empty() && has_message && get_string(message, "refusal", refusal) && !refusal.empty()) {
    text = refusal;  // OpenAI's structured refusal: shown as the answer's text
    if (finish_reason.empty() || finish_reason == "stop") {
      finish_reason = "content_filter";
    }
  }
  if (text.find_first_not_of(" \t\r\n") != std::string_view::npos) {
    open_block();
    out.append("{\"type\":\"text\",\"text\":");
    append_json_string(out, text);
    out.push_back('}');
  }

  bool has_tools = false;
  if (has_message && get_field(message, "tool_calls", e) && detail::is_array(e)) {
    size_t n = 0;
    for (element call : simdjson::dom::array(e)) {
      if (!detail::is_object(call)) {
        continue;
      }
      element function;
      if (!get_field(call, "function", function) || !detail::is_object(function)) {
        continue;
      }
      std::string_view name;
      get_string(function, "name", name);
      std::string_view id;
      std::string generated;
      if (!get_string(call, "id", id) || id.empty()) {
        generated = "toolu_" + context.message_id + "_" + std::to_string(n);
        id = generated;
      }
      open_block();
      has_tools = true;
      out.append("{\"type\":\"tool_use\",\"id\":");
      append_json_string(out, id);
      out.append(",\"name\":");
      append_json_string(out, name);
      out.append(",\"input\":");
      element args;
      if (get_field(function, "arguments", args) && detail::is_object(args)) {
        append_dom(out, args);
      } else if (get_field(function, "arguments", args) && detail::is_string(args)) {
        detail::append_tool_input(out, std::string_view(args));
      } else {
        out.append("{}");
      }
      out.push_back('}');
      ++n;
    }
  }
  if (!any_block) {
    // Clients index content[0]; an empty answer is one empty text block.
    out.append("{\"type\":\"text\",\"text\":\"\"}");
  }
  out.append("],\"stop_reason\":\"");
  out.append(detail::stop_reason_for(finish_reason, has_tools));
  out.append("\",\"stop_sequence\":null,\"usage\":");
  append_usage(out, result.usage);
  out.push_back('}');
  return result;
}

}  // namespace ccproxy::convert
