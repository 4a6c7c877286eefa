#pragma once
// What a provider needs from a translated request beyond the OpenAI format, as data and hooks
// the converter calls (request_*.cc). One file pair per provider defines its rules:
//   openai.cc (openai, generic), gemini.cc (+ gemini_schema.cc), kimi.cc, deepseek.cc,
//   minimax.cc, glm.cc; resolve.cc picks the provider of a request.

#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "worker/worker_config.h"

namespace ccproxy::convert::providers {

/// How the provider wants an assistant turn's reasoning back in later requests.
enum class HistoryReasoning {
  none,               // dropped
  reasoning_content,  // the message's `reasoning_content`
  think_tags,         // `<think>...</think>` at the start of the message's content
};

/// The client's `thinking` and `output_config.effort`.
struct ThinkingRequest {
  enum class Mode { unset, disabled, enabled, adaptive };
  Mode mode = Mode::unset;
  std::int64_t budget_tokens = 0;  // enabled: thinking.budget_tokens
  std::string_view effort;         // output_config.effort ("" when absent)
};

/// Everything a provider's thinking switch depends on.
struct ThinkingSettings {
  ThinkingRequest client;
  worker::Reasoning profile = worker::Reasoning::automatic;  // [upstream] reasoning
  std::string_view model;                                    // the upstream model
};

struct ProviderRules {
  worker::Provider id = worker::Provider::generic;
  /// Most tools one request may carry (0: no limit); more is an invalid_request_error.
  std::size_t max_tools = 0;
  HistoryReasoning history = HistoryReasoning::none;
  /// Assistant tool calls carry `extra_content.google.thought_signature` (Gemini).
  bool thought_signatures = false;
  /// The thought signature for the first tool call of a turn that has none of its own (Gemini 3
  /// accepts a documented placeholder for calls from elsewhere); "" or null: none.
  std::string_view (*missing_signature)(std::string_view model) = nullptr;
  /// Writes one tool's parameter schema; null: written as the client sent it.
  void (*write_schema)(std::string& out, simdjson::dom::element schema) = nullptr;
  /// Appends the provider's thinking switch (`,"name":value` members, or nothing). Returns
  /// whether the model will reason in this request (then reasoning in history is required).
  bool (*write_thinking)(std::string& out, const ThinkingSettings& settings) = nullptr;
};

/// The rules of a provider (`automatic` counts as generic).
const ProviderRules& rules_for(worker::Provider provider);

// --- shared pieces of the thinking switches (thinking.cc) ---

enum class Switch { unset, off, on };
/// On/off as the profile forces it, else as the client asked (unset when it did not say).
Switch thinking_switch(const ThinkingSettings& settings);
/// An OpenAI `reasoning_effort` ("low", "medium", "high"), or "" when none applies: the
/// profile's level, else the client's effort (max -> high), else from budget_tokens.
std::string_view effort_level(const ThinkingSettings& settings);
/// `,"thinking":{"type":"enabled"|"disabled"}` for a switch that is set.
void write_thinking_type(std::string& out, Switch s);
/// `,"reasoning_effort":"<level>"` when `level` is not empty.
void write_reasoning_effort(std::string& out, std::string_view level);
/// Case-insensitive substring test on model ids.
bool model_has(std::string_view model, std::string_view part);

}  // namespace ccproxy::convert::providers
