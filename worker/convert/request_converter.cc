// RequestConverter, the top level: the request's required fields, the system prompt and the
// sampling options around the messages.

#include "worker/convert/request_converter.h"

#include <cstdint>
#include <iterator>
#include <string>
#include <string_view>

#include "worker/convert/json_writer.h"
#include "worker/convert/model_mapping.h"
#include "worker/convert/providers/provider_rules.h"
#include "worker/convert/request_facts.h"

namespace ccproxy::convert::detail {
namespace {

// The top-level members ccproxy reads, validates or rewrites. JSON lets a name appear twice
// (also once plain and once written with escapes), and parsers differ on which one counts:
// the DOM here finds the first, an upstream may take the last. A translated request carries
// only the values read here, so there the first counts; a pass-through request goes upstream
// as sent, so there a second one is refused: the value checked (mapped, clamped) is the only
// one the upstream can see.
constexpr std::string_view kReadKeys[] = {
    "model",       "max_tokens",     "messages", "stream", "system",      "thinking",
    "temperature", "stop_sequences", "top_p",    "tools",  "tool_choice",
};
static_assert(std::size(kReadKeys) <= 32);

// Claude Code 2.1 puts this first in its system prompt, with a value that changes between
// requests of one session: sent on, it would break the provider's prefix caching.
constexpr std::string_view kBillingHeader = "x-anthropic-billing-header:";

bool is_billing_header(std::string_view text) {
  return text.substr(0, kBillingHeader.size()) == kBillingHeader;
}

}  // namespace

bool RequestConverter::convert(element root, ConvertedRequest& result) {
  Head head;
  if (!read_head(root, head)) {
    return false;
  }
  result.client_model.assign(head.model);
  route(root, head.model, result);
  result.stream = head.stream;
  read_effort(root);

  out_.reserve(reserve_hint_);
  out_.append("{\"model\":");
  append_json_string(out_, result.upstream_model);
  out_.append(",\"max_tokens\":");
  append_int(out_, clamped_max_tokens(head.max_tokens));
  apply_provider_rules(result);
  out_.append(",\"messages\":[");
  element system;
  if (get_field(root, "system", system)) {
    if (!write_system(system)) {
      return false;
    }
  }
  if (!write_messages(head.messages)) {
    return false;
  }
  out_.push_back(']');
  if (!write_sampling(root)) {
    return false;
  }
  if (head.stream) {
    out_.append(",\"stream\":true,\"stream_options\":{\"include_usage\":true}");
  }
  if (!write_tools(root, result)) {
    return false;
  }
  out_.push_back('}');
  result.body = std::move(out_);
  return true;
}

void RequestConverter::route(element root, std::string_view client_model,
                             ConvertedRequest& result) const {
  if (options_.models == nullptr) {
    result.upstream_model.assign(client_model);
    return;
  }
  const worker::ModelMap& models = *options_.models;
  const worker::RoutingSettings defaults;
  const worker::RoutingSettings& settings = options_.routing ? *options_.routing : defaults;
  const TierSet served = options_.served ? *options_.served : TierSet::served_by(models);
  const EstimateInput estimate{body_size_, settings.long_context_tokens, cached_tools_};
  const RequestFacts facts =
      gather_facts(root, client_model, models, facts_wanted(served, settings), estimate);
  result.route = choose_route(facts, served, settings);
  result.upstream_model = route_model(result.route, client_model, models);
}

bool RequestConverter::read_head(element root, Head& head) {
  if (!is_object(root)) {
    return fail("body: expected a JSON object");
  }
  if (for_passthrough_ && !check_unique_keys(simdjson::dom::object(root))) {
    return false;
  }
  element model;
  if (!get_field(root, "model", model)) {
    return fail("model: field required");
  }
  if (model.get(head.model) != simdjson::SUCCESS) {
    return fail(expected("model", "a string", model));
  }
  element max_tokens;
  if (!get_field(root, "max_tokens", max_tokens)) {
    return fail("max_tokens: field required");
  }
  if (max_tokens.type() != element_type::INT64 && max_tokens.type() != element_type::UINT64) {
    return fail(expected("max_tokens", "an integer", max_tokens));
  }
  head.max_tokens = as_int(max_tokens);
  if (head.max_tokens < 1) {
    return fail("max_tokens: must be at least 1");
  }
  if (!get_field(root, "messages", head.messages)) {
    return fail("messages: field required");
  }
  if (!is_array(head.messages)) {
    return fail(expected("messages", "an array", head.messages));
  }
  if (simdjson::dom::array(head.messages).size() == 0) {
    return fail("messages: at least one message is required");
  }
  element e;
  if (get_field(root, "stream", e)) {
    if (e.get(head.stream) != simdjson::SUCCESS) {
      return fail(expected("stream", "a boolean", e));
    }
  }
  if (get_field(root, "thinking", e)) {
    return check_thinking(e);
  }
  return true;
}

// The DOM's keys are decoded, so "mod\u0065l" counts as "model".
bool RequestConverter::check_unique_keys(simdjson::dom::object root) {
  uint32_t seen = 0;
  for (auto field : root) {
    for (size_t i = 0; i < std::size(kReadKeys); ++i) {
      if (field.key != kReadKeys[i]) {
        continue;
      }
      if ((seen & (uint32_t{1} << i)) != 0) {
        return fail(std::string(kReadKeys[i]) + ": duplicate key");
      }
      seen |= uint32_t{1} << i;
      break;
    }
  }
  return true;
}

// Validated and read; each provider maps it to its own switch (providers/).
bool RequestConverter::check_thinking(element thinking) {
  if (!is_object(thinking)) {
    return fail(expected("thinking", "an object", thinking));
  }
  element type;
  if (!get_field(thinking, "type", type) || !is_string(type)) {
    return fail("thinking.type: field required");
  }
  using Mode = providers::ThinkingRequest::Mode;
  const std::string_view name(type);
  thinking_.mode = name == "enabled"    ? Mode::enabled
                   : name == "adaptive" ? Mode::adaptive
                   : name == "disabled" ? Mode::disabled
                                        : Mode::unset;
  element budget;
  if (get_field(thinking, "budget_tokens", budget) && is_number(budget)) {
    thinking_.budget_tokens = as_int(budget);
  }
  return true;
}

void RequestConverter::read_effort(element root) {
  element config;
  if (get_field(root, "output_config", config) && is_object(config)) {
    get_string(config, "effort", thinking_.effort);
  }
}

void RequestConverter::apply_provider_rules(ConvertedRequest& result) {
  // Pass-through only validates here: the Anthropic upstream gets the client's body.
  const worker::Provider provider = !for_passthrough_ && options_.provider_of
                                        ? options_.provider_of(result.upstream_model)
                                        : worker::Provider::generic;
  rules_ = &providers::rules_for(provider);
  result.provider = rules_->id;
  upstream_model_ = result.upstream_model;
  if (for_passthrough_ || rules_->write_thinking == nullptr) {
    return;
  }
  const providers::ThinkingSettings settings{thinking_, options_.reasoning, upstream_model_};
  thinking_on_ = rules_->write_thinking(out_, settings);
}

int64_t RequestConverter::clamped_max_tokens(int64_t requested) const {
  const auto& limits = options_.max_tokens;
  int64_t tokens = requested;
  if (limits.max > 0 && tokens > limits.max) {
    tokens = limits.max;
  }
  if (limits.min > 0 && tokens < limits.min) {
    tokens = limits.min;
  }
  return tokens;
}

void RequestConverter::write_text_message(std::string_view role, std::string_view text) {
  out_.append("{\"role\":\"").append(role).append("\",\"content\":");
  append_json_string(out_, text);
  out_.append("},");
}

bool RequestConverter::write_system(element system) {
  skip_billing_header_ = !for_passthrough_;
  if (is_string(system)) {
    std::string_view text(system);
    if (skip_billing_header_ && is_billing_header(text)) {
      const size_t line_end = text.find('\n');
      text = line_end == std::string_view::npos ? std::string_view() : text.substr(line_end + 1);
    }
    if (text.empty()) {
      return true;
    }
    write_text_message("system", text);
    return true;
  }
  if (!is_array(system)) {
    return fail(expected("system", "a string or an array", system));
  }
  const bool ok = write_system_message(system, "system");
  skip_billing_header_ = false;
  return ok;
}

bool RequestConverter::text_of_blocks(element content, const Path& path, JoinedText& joined) {
  size_t j = 0;
  for (element block : simdjson::dom::array(content)) {
    if (!is_object(block)) {
      return fail(expected(at(path, j), "an object", block));
    }
    std::string_view type;
    if (!get_string(block, "type", type)) {
      return fail(at(path, j) + ".type: field required");
    }
    element text;
    if (type == "text") {
      if (!get_field(block, "text", text) || !is_string(text)) {
        return fail(at(path, j) + ".text: expected a string");
      }
      if (!(j == 0 && skip_billing_header_ && is_billing_header(std::string_view(text)))) {
        joined.add(std::string_view(text));
      }
    }
    ++j;
  }
  return true;
}

// temperature, top_p and stop_sequences (as `stop`).
bool RequestConverter::write_sampling(element root) {
  element e;
  for (std::string_view key : {"temperature", "top_p"}) {
    if (get_field(root, key, e)) {
      if (!is_number(e)) {
        return fail(expected(std::string(key), "a number", e));
      }
      out_.append(",\"");
      out_.append(key);
      out_.append("\":");
      append_dom(out_, e);
    }
  }
  if (get_field(root, "stop_sequences", e)) {
    return write_stop_sequences(e);
  }
  return true;
}

bool RequestConverter::write_stop_sequences(element stop_sequences) {
  if (!is_array(stop_sequences)) {
    return fail(expected("stop_sequences", "an array", stop_sequences));
  }
  simdjson::dom::array stops(stop_sequences);
  if (stops.size() == 0) {
    return true;
  }
  out_.append(",\"stop\":[");
  size_t i = 0;
  for (element s : stops) {
    if (!is_string(s)) {
      return fail(expected(at("stop_sequences", i), "a string", s));
    }
    if (i > 0) {
      out_.push_back(',');
    }
    append_dom(out_, s);
    ++i;
  }
  out_.push_back(']');
  return true;
}

}  // namespace ccproxy::convert::detail
