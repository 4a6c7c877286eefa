// A whole OpenAI chat-completions response -> the Anthropic Messages response.

#include "worker/convert/response.h"

#include <optional>
#include <string>
#include <string_view>

#include "worker/convert/anthropic_events.h"
#include "worker/convert/json_access.h"
#include "worker/convert/json_writer.h"
#include "worker/convert/openai_fields.h"
#include "worker/convert/providers/carry.h"
#include "worker/convert/providers/provider_rules.h"

namespace ccproxy::convert {
namespace {

using detail::element;
using detail::get_field;
using detail::get_string;

// Large bodies get their own parser so the per-thread one stays small.
constexpr size_t kThreadParserLimit = 4u << 20;

ApiError bad_upstream(std::string message) {
  return ApiError{502, "api_error", std::move(message)};
}

// The body as a JSON object that is not an OpenAI error object; else the error to report.
std::optional<ApiError> parse_response(simdjson::dom::parser& parser, std::string_view body,
                                       std::string& scratch, element& root) {
  if (auto error = detail::parse_lenient(parser, body, scratch, root); error) {
    return bad_upstream(std::string("upstream returned a response that is not valid JSON (") +
                        simdjson::error_message(error) + ")");
  }
  if (!detail::is_object(root)) {
    return bad_upstream("upstream returned a response that is not a JSON object");
  }
  ApiError upstream;
  if (detail::read_openai_error(root, body, upstream)) {
    return upstream;
  }
  return std::nullopt;
}

// What the choice's message says, before anything is written.
struct Answer {
  bool has_message = false;
  element message;
  std::string_view thinking;
  std::string_view text;
  std::string_view finish_reason;
  std::string joined;  // the text of content parts, when content came as a list
};

// Content text: a string, or (some providers) a list of text parts.
std::string_view content_text(element message, std::string& joined) {
  element e;
  if (!get_field(message, "content", e)) {
    return {};
  }
  if (detail::is_string(e)) {
    return std::string_view(e);
  }
  if (!detail::is_array(e)) {
    return {};
  }
  for (element part : simdjson::dom::array(e)) {
    std::string_view t;
    if (get_string(part, "text", t)) {
      joined.append(t);
    }
  }
  return joined;
}

// Thinking from reasoning_content / reasoning, else from a leading <think>...</think> in the
// content (which is cut from the text either way); an empty answer with OpenAI's structured
// refusal shows the refusal as its text.
void read_answer(element choice, Answer& answer) {
  answer.has_message =
      get_field(choice, "message", answer.message) && detail::is_object(answer.message);
  get_string(choice, "finish_reason", answer.finish_reason);
  if (!answer.has_message) {
    return;
  }
  const element message = answer.message;
  const std::string_view content = content_text(message, answer.joined);
  answer.text = content;
  bool has_thinking = (get_string(message, "reasoning_content", answer.thinking) ||
                       get_string(message, "reasoning", answer.thinking)) &&
                      !answer.thinking.empty();
  std::string_view think_tag_text;
  std::string_view after_think;
  if (detail::split_think(content, think_tag_text, after_think)) {
    answer.text = after_think;
    if (!has_thinking) {
      answer.thinking = think_tag_text;
      has_thinking = !answer.thinking.empty();
    }
  }
  if (!has_thinking) {
    answer.thinking = {};
  }
  std::string_view refusal;
  if (answer.text.empty() && get_string(message, "refusal", refusal) && !refusal.empty()) {
    answer.text = refusal;
    if (answer.finish_reason.empty() || answer.finish_reason == "stop") {
      answer.finish_reason = "content_filter";
    }
  }
}

// The content blocks of the message, written with a comma before all but the first.
class Blocks {
 public:
  explicit Blocks(std::string& out) : out_(out) {}
  std::string& next() {
    if (any_) {
      out_.push_back(',');
    }
    any_ = true;
    return out_;
  }
  bool any() const { return any_; }

 private:
  std::string& out_;
  bool any_ = false;
};

// One tool_use block for each call with a `function` object; false when there was none.
bool write_tool_uses(Blocks& blocks, element message, const ResponseContext& context) {
  element calls;
  if (!get_field(message, "tool_calls", calls) || !detail::is_array(calls)) {
    return false;
  }
  bool any = false;
  size_t n = 0;
  for (element call : simdjson::dom::array(calls)) {
    element function;
    if (!detail::is_object(call) || !get_field(call, "function", function) ||
        !detail::is_object(function)) {
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
    std::string& out = blocks.next();
    any = true;
    out.append("{\"type\":\"tool_use\",\"id\":");
    std::string_view signature;
    if (providers::rules_for(context.provider).thought_signatures &&
        detail::thought_signature_of(call, signature)) {
      append_json_string(out, providers::tool_id_with_value(id, context.provider,
                                                            context.upstream_model, signature));
    } else {
      append_json_string(out, id);
    }
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
  return any;
}

// The blocks of the answer; true when it called tools.
bool write_content(std::string& out, const Answer& answer, const ResponseContext& context) {
  Blocks blocks(out);
  if (!answer.thinking.empty()) {
    std::string& o = blocks.next();
    o.append("{\"type\":\"thinking\",\"thinking\":");
    append_json_string(o, answer.thinking);
    o.append(",\"signature\":");
    append_json_string(
        o, providers::sign_thinking(context.provider, context.upstream_model, answer.thinking));
    o.push_back('}');
  }
  if (answer.text.find_first_not_of(" \t\r\n") != std::string_view::npos) {
    std::string& o = blocks.next();
    o.append("{\"type\":\"text\",\"text\":");
    append_json_string(o, answer.text);
    o.push_back('}');
  }
  const bool has_tools = answer.has_message && write_tool_uses(blocks, answer.message, context);
  if (!blocks.any()) {
    // Clients index content[0]; an empty answer is one empty text block.
    out.append("{\"type\":\"text\",\"text\":\"\"}");
  }
  return has_tools;
}

}  // namespace

Result<AnthropicResponse, ApiError> to_anthropic_response(std::string_view openai_body,
                                                          const ResponseContext& context) {
  const detail::ThreadParserTrim trim;
  simdjson::dom::parser local;
  simdjson::dom::parser& parser =
      openai_body.size() <= kThreadParserLimit ? detail::thread_parser() : local;
  std::string scratch;
  element root;
  if (auto error = parse_response(parser, openai_body, scratch, root)) {
    return fail(std::move(*error));
  }
  AnthropicResponse result;
  element e;
  if (get_field(root, "usage", e)) {
    detail::read_openai_usage(e, result.usage);
  }
  element choice;
  if (!get_field(root, "choices", e) || !detail::first_choice(e, choice)) {
    return fail(bad_upstream("upstream response has no choices"));
  }
  if (get_field(choice, "usage", e)) {
    detail::read_openai_usage(e, result.usage);  // Moonshot puts usage inside the choice
  }
  Answer answer;
  read_answer(choice, answer);

  std::string& out = result.body;
  out.reserve(512 + openai_body.size());
  out.append("{\"id\":");
  append_json_string(out, context.message_id);
  out.append(",\"type\":\"message\",\"role\":\"assistant\",\"model\":");
  append_json_string(out, context.model);
  out.append(",\"content\":[");
  const bool has_tools = write_content(out, answer, context);
  out.append("],\"stop_reason\":\"");
  out.append(detail::stop_reason_for(answer.finish_reason, has_tools));
  out.append("\",\"stop_sequence\":null,\"usage\":");
  detail::append_usage(out, result.usage);
  out.push_back('}');
  return result;
}

}  // namespace ccproxy::convert
