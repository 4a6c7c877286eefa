#pragma once
// `ccproxy statusline`: the one line Claude Code shows under its prompt (its statusLine
// setting runs the command with a JSON description of the session on stdin).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "usage/ledger_db.h"
#include "usage/pricing.h"

namespace ccproxy::usage {

/// What ccproxy reads of Claude Code's statusline JSON; fields it lacks stay empty.
struct StatuslineInput {
  std::string session_id;  // session_id
  std::string model_id;    // model.id (the Claude model Claude Code asks for)
};

/// Lenient: anything that is not a JSON object, or lacks the fields, gives empty fields.
StatuslineInput parse_statusline_input(std::string_view json);

/// The port of ANTHROPIC_BASE_URL (`http://127.0.0.1:8082`, default 80/443 by scheme);
/// nullopt when it is not an http(s) URL.
std::optional<int> port_of_base_url(std::string_view url);

/// The profile serving Claude Code, as the fleet describes it.
struct StatuslineProfile {
  std::string name;
  std::string model;  // the provider model shown until the ledger knows the session's
  PriceTable prices;
};

/// "glm · zai/GLM-4.6 · session 12.3k tok $0.0123 · today $1.23": the session's requests to
/// this profile (the model of the last one), and the profile's cost since local midnight.
/// `ledger` null: there is no ledger (yet).
std::string statusline_text(const StatuslineProfile& profile, const StatuslineInput& input,
                            LedgerDb* ledger, std::int64_t now_ms);

}  // namespace ccproxy::usage
