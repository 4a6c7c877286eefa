#include "worker/convert/openai_fields.h"

#include "worker/convert/json_writer.h"

namespace ccproxy::convert::detail {

std::string_view stop_reason_for(std::string_view finish_reason, bool has_tool_calls) {
  if (finish_reason == "length") {
    return "max_tokens";  // even mid tool call: the truthful reason, as Anthropic reports it
  }
  if (finish_reason == "content_filter") {
    return "refusal";
  }
  if (has_tool_calls) {
    return "tool_use";
  }
  if (finish_reason == "tool_calls" || finish_reason == "function_call") {
    return "tool_use";
  }
  if (finish_reason == "content_filter") {
    return "refusal";
  }
  return "end_turn";
}

bool first_choice(element choices, element& choice) {
  if (!is_array(choices)) {
    return false;
  }
  for (element c : simdjson::dom::array(choices)) {
    choice = c;
    return is_object(c);
  }
  return false;
}

bool read_openai_usage(element usage, Usage& out) {
  if (!is_object(usage)) {
    return false;
  }
  element e;
  int64_t prompt = 0;
  int64_t cached = 0;
  if (get_field(usage, "prompt_tokens", e)) {
    prompt = as_int(e);
  }
  if (get_field(usage, "completion_tokens", e)) {
    out.output_tokens = as_int(e);
  }
  element details;
  if (get_field(usage, "prompt_tokens_details", details) &&
      get_field(details, "cached_tokens", e)) {
    cached = as_int(e);
  } else if (get_field(usage, "prompt_cache_hit_tokens", e)) {
    cached = as_int(e);  // DeepSeek
  }
  if (cached < 0 || cached > prompt) {
    cached = cached < 0 ? 0 : prompt;
  }
  out.input_tokens = prompt - cached;
  out.cache_read_input_tokens = cached;
  if (out.output_tokens < 0) {
    out.output_tokens = 0;
  }
  if (out.input_tokens < 0) {
    out.input_tokens = 0;
  }
  return true;
}

bool read_openai_error(element root, std::string_view raw, ApiError& out) {
  element err;
  if (!get_field(root, "error", err)) {
    return false;
  }
  int status = 502;
  element code;
  if (get_field(err, "code", code)) {
    int64_t c = 0;
    if (is_number(code)) {
      c = as_int(code);
    } else if (is_string(code)) {
      std::string_view s(code);
      if (s.size() == 3 && s[0] >= '1' && s[0] <= '9' && s[1] >= '0' && s[1] <= '9' &&
          s[2] >= '0' && s[2] <= '9') {
        c = (s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0');
      }
    }
    if (c >= 400 && c <= 599) {
      status = int(c);
    }
  }
  std::string_view type;
  if (status == 502 && get_string(err, "type", type)) {
    // No HTTP status in the body: the error's type tells what kind of failure it was.
    if (type.find("invalid_request") != std::string_view::npos) {
      status = 400;
    } else if (type.find("authentication") != std::string_view::npos) {
      status = 401;
    } else if (type.find("permission") != std::string_view::npos) {
      status = 403;
    } else if (type.find("not_found") != std::string_view::npos) {
      status = 404;
    } else if (type.find("rate_limit") != std::string_view::npos ||
               type.find("quota") != std::string_view::npos) {
      status = 429;
    } else if (type.find("overloaded") != std::string_view::npos) {
      status = 529;
    }
  }
  out = upstream_error(status, raw);
  return true;
}

simdjson::dom::parser& arguments_parser() {
  thread_local simdjson::dom::parser parser;
  return parser;
}

void append_tool_input(std::string& out, std::string_view arguments) {
  std::string_view trimmed = skip_json_space(arguments);
  if (trimmed.empty()) {
    out.append("{}");
    return;
  }
  std::string scratch;
  element root;
  simdjson::dom::parser local;
  simdjson::dom::parser& parser = arguments.size() <= (1u << 20) ? arguments_parser() : local;
  const bool parsed =
      parse_lenient(parser, arguments, scratch, root) == simdjson::SUCCESS && is_object(root);
  if (parsed) {
    append_dom(out, root);
  }
  release_if_oversized(arguments_parser());  // a repaired copy may have grown it past 1 MB
  if (parsed) {
    return;
  }
  out.append("{\"_raw_arguments\":");
  append_json_string(out, arguments);
  out.push_back('}');
}

bool split_think(std::string_view content, std::string_view& thinking, std::string_view& text) {
  constexpr std::string_view kOpen = "<think>";
  constexpr std::string_view kClose = "</think>";
  std::string_view rest = skip_json_space(content);
  if (rest.substr(0, kOpen.size()) != kOpen) {
    return false;
  }
  rest.remove_prefix(kOpen.size());
  const size_t close = rest.find(kClose);
  if (close == std::string_view::npos) {
    thinking = rest;
    text = {};
    return true;
  }
  thinking = rest.substr(0, close);
  text = skip_json_space(rest.substr(close + kClose.size()));
  return true;
}

bool thought_signature_of(element call, std::string_view& signature) {
  element extra;
  element google;
  return get_field(call, "extra_content", extra) && get_field(extra, "google", google) &&
         get_string(google, "thought_signature", signature) && !signature.empty();
}

}  // namespace ccproxy::convert::detail
