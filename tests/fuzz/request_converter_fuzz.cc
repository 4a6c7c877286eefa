// Fuzz target: the Anthropic request converters (to_openai_request, to_passthrough_request)
// and count_tokens, on arbitrary bytes and, through the seed corpus and the dictionary of
// Anthropic keys, on near-valid Messages requests.
//
// Invariants: nothing crashes; converting twice gives the same result (the second time may
// take the tool list from the cache, and splice it in); a converted request is valid JSON (so valid
// UTF-8) holding an object with the upstream model, a messages array (OpenAI) and the stream flag
// the result reports, and exactly one top-level model (the client's, mapped) and max_tokens
// (within the limits), however the client wrote or repeated those keys; an error is a 4xx/5xx with
// a type and a message whose error_body() and error_event() are valid JSON; a token estimate is
// never negative.

#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "fuzz_check.h"
#include "worker/convert/convert.h"
#include "worker/convert/model_mapping.h"

namespace {

using namespace ccproxy::convert;
using nlohmann::json;

void check_error(const ApiError& e, std::string_view input) {
  FUZZ_CHECK(e.status >= 400 && e.status <= 599, std::to_string(e.status));
  FUZZ_CHECK(!e.type.empty() && !e.message.empty(), e.type + ": " + e.message);
  const json body = json::parse(error_body(e), nullptr, false);
  FUZZ_CHECK(!body.is_discarded() && body.is_object(), "error_body: " + error_body(e));
  const std::string event = error_event(e);
  FUZZ_CHECK(event.rfind("event: error\ndata: ", 0) == 0 && event.size() >= 21 &&
                 event.compare(event.size() - 2, 2, "\n\n") == 0,
             event);
  const json data = json::parse(event.substr(19, event.size() - 21), nullptr, false);
  FUZZ_CHECK(!data.is_discarded(), "error_event: " + event);
}

const ccproxy::worker::ModelMap& models() {
  static const ccproxy::worker::ModelMap map{"glm-4.6", "glm-4.5", "glm-4.5-air", "", "", "", true};
  return map;
}
constexpr ccproxy::worker::TokenLimits kLimits{16, 32000};

// `text` parsed (nlohmann: the last of a duplicate key counts), with its top-level `model`
// and `max_tokens` members counted, however many.
struct LimitedKeys {
  int model = 0;
  int max_tokens = 0;
};
json parse_counting(const std::string& text, LimitedKeys& keys) {
  json::parser_callback_t count = [&keys](int depth, json::parse_event_t event, json& parsed) {
    if (event == json::parse_event_t::key && depth == 1) {
      keys.model += parsed == "model";
      keys.max_tokens += parsed == "max_tokens";
    }
    return true;
  };
  return json::parse(text, count, false);
}

void check_request(const ConvertedRequest& r, bool openai) {
  LimitedKeys keys;
  const json body = parse_counting(r.body, keys);
  FUZZ_CHECK(!body.is_discarded() && body.is_object(),
             std::string(openai ? "openai" : "passthrough") + ": not a JSON object: " + r.body);
  FUZZ_CHECK(body.contains("model") && body["model"].is_string() &&
                 body["model"].get<std::string>() == r.upstream_model,
             r.upstream_model + " vs " + r.body);
  FUZZ_CHECK(!openai || (body.contains("messages") && body["messages"].is_array()), r.body);
  const bool streamed =
      body.contains("stream") && body["stream"].is_boolean() && body["stream"].get<bool>();
  FUZZ_CHECK(streamed == r.stream, r.body);
  // What the upstream is held to: the mapped model and the clamped max_tokens, once each.
  FUZZ_CHECK(r.upstream_model == map_model(r.client_model, models()),
             r.client_model + " -> " + r.upstream_model);
  FUZZ_CHECK(keys.model == 1 && keys.max_tokens == 1, "model/max_tokens not once: " + r.body);
  FUZZ_CHECK(body["max_tokens"].is_number_integer() && body["max_tokens"] >= kLimits.min &&
                 body["max_tokens"] <= kLimits.max,
             r.body);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  RequestOptions options;
  options.models = &models();
  options.max_tokens = kLimits;
  options.reasoning_content_in_history = size % 2 == 1;

  auto openai = to_openai_request(input, options);
  if (openai) {
    check_request(*openai, true);
  } else {
    check_error(openai.error(), input);
  }
  // Again: a tool list of 2 KB or more now comes from the thread's cache (tool_cache.h), and
  // the result must be the same to the byte, also when it is spliced in (as the worker has it).
  options.splice_tools = size % 3 == 0;
  auto again = to_openai_request(input, options);
  options.splice_tools = false;
  FUZZ_CHECK(again.ok() == openai.ok(), "second conversion differs in success");
  if (again) {
    FUZZ_CHECK(again->joined() == openai->body, "cached tools: " + again->joined());
    FUZZ_CHECK(!again->spliced || again->splice_at <= again->body.size(), "splice out of range");
  } else {
    FUZZ_CHECK(again.error().message == openai.error().message, again.error().message);
  }
  // Pass-through forwards the client's JSON as it came (lone surrogate escapes included), so
  // its output is held to strict JSON only when the input was strict JSON.
  auto passthrough = to_passthrough_request(input, options);
  if (passthrough) {
    if (json::accept(input)) {
      check_request(*passthrough, false);
    }
  } else {
    check_error(passthrough.error(), input);
  }
  // Pass-through validates with the tool-list cache too (as the worker has it, splicing
  // allowed): the same input must give the same body, the client's, with nothing spliced.
  options.splice_tools = true;
  auto passthrough_again = to_passthrough_request(input, options);
  options.splice_tools = false;
  FUZZ_CHECK(passthrough_again.ok() == passthrough.ok(), "pass-through differs in success");
  if (passthrough_again) {
    FUZZ_CHECK(!passthrough_again->spliced && passthrough_again->body == passthrough->body,
               "pass-through again: " + passthrough_again->body);
  }
  auto tokens = count_tokens(input);
  if (tokens) {
    FUZZ_CHECK(*tokens >= 0, std::to_string(*tokens));
  } else {
    check_error(tokens.error(), input);
  }
  return 0;
}
