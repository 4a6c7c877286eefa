#pragma once
// Pieces of the OpenAI response format shared by the whole-response converter and the
// stream translator: finish_reason mapping, usage, error objects, <think> prefixes.

#include <string>
#include <string_view>

#include "worker/convert/api_error.h"
#include "worker/convert/json_access.h"
#include "worker/convert/usage.h"

namespace ccproxy::convert::detail {

/// length -> max_tokens and content_filter -> refusal first; then tool_use whenever the
/// response carried tool calls (providers also say "stop" there) or finish_reason is
/// tool_calls/function_call; anything else (stop, none, unknown) -> end_turn.
std::string_view stop_reason_for(std::string_view finish_reason, bool has_tool_calls);

/// The first of an OpenAI response's `choices`, when `choices` is an array and that first
/// element an object.
bool first_choice(element choices, element& choice);

/// Reads an OpenAI `usage` object. prompt_tokens includes cached tokens while Anthropic's
/// input_tokens does not, so input_tokens = prompt_tokens - cached. False when `usage` is
/// not an object.
bool read_openai_usage(element usage, Usage& out);

/// An OpenAI-shaped `{"error": ...}` object as an ApiError (status from a numeric `code`
/// when it is an HTTP status, else 502). False when `root` has no `error` member.
bool read_openai_error(element root, std::string_view raw, ApiError& out);

/// The parser for arguments inside an already-parsed document (a second, per-thread parser).
simdjson::dom::parser& arguments_parser();

/// Writes the tool input for an OpenAI `arguments` string: the parsed object; {} for an
/// empty string; {"_raw_arguments":"..."} when it is not a JSON object.
void append_tool_input(std::string& out, std::string_view arguments);

/// Gemini's `extra_content.google.thought_signature` of a tool call (or of a streamed tool
/// call delta); false when it has none.
bool thought_signature_of(element call, std::string_view& signature);

/// Where the text of `content` starts once a leading "<think>...</think>" is split off.
/// Returns false when content does not start (after whitespace) with "<think>".
bool split_think(std::string_view content, std::string_view& thinking, std::string_view& text);

}  // namespace ccproxy::convert::detail
