#include "worker/model_list.h"

#include <nlohmann/json.hpp>
#include <set>

namespace ccproxy::worker {
namespace {

struct ClaudeModel {
  const char* id;
  const char* name;
  const char* created_at;
  Tier tier;  // opus -> big, sonnet -> middle, haiku -> small
};

// Newest first, as the Anthropic API lists them.
constexpr ClaudeModel kClaudeModels[] = {
    {"claude-haiku-4-5-20251001", "Claude Haiku 4.5", "2025-10-15T00:00:00Z", Tier::small},
    {"claude-sonnet-4-5-20250929", "Claude Sonnet 4.5", "2025-09-29T00:00:00Z", Tier::middle},
    {"claude-opus-4-1-20250805", "Claude Opus 4.1", "2025-08-05T00:00:00Z", Tier::big},
    {"claude-opus-4-20250514", "Claude Opus 4", "2025-05-22T00:00:00Z", Tier::big},
    {"claude-sonnet-4-20250514", "Claude Sonnet 4", "2025-05-22T00:00:00Z", Tier::middle},
    {"claude-3-7-sonnet-20250219", "Claude Sonnet 3.7", "2025-02-24T00:00:00Z", Tier::middle},
    {"claude-3-5-haiku-20241022", "Claude Haiku 3.5", "2024-10-22T00:00:00Z", Tier::small},
};

constexpr Tier kTiers[] = {Tier::big,    Tier::middle,       Tier::small,
                           Tier::vision, Tier::long_context, Tier::think};

/// The model a family's tier maps to (an unset middle or small tier falls back to big).
const std::string& target_of(const ModelMap& models, Tier tier) {
  const std::string& m = models.model_for(tier);
  return m.empty() ? models.big : m;
}

}  // namespace

std::string models_json(const ModelMap& models, const std::string& provider_created_at) {
  nlohmann::ordered_json data = nlohmann::ordered_json::array();
  for (const auto& c : kClaudeModels) {
    data.push_back({{"type", "model"},
                    {"id", c.id},
                    {"display_name", std::string(c.name) + " → " + target_of(models, c.tier)},
                    {"created_at", c.created_at}});
  }
  std::set<std::string> seen;
  for (auto tier : kTiers) {
    const std::string& m = models.model_for(tier);
    if (m.empty() || !seen.insert(m).second) {
      continue;
    }
    data.push_back({{"type", "model"},
                    {"id", m},
                    {"display_name", m + " (" + tier_name(tier) + ")"},
                    {"created_at", provider_created_at}});
  }
  nlohmann::ordered_json j = {{"data", data},
                              {"has_more", false},
                              {"first_id", data.front()["id"]},
                              {"last_id", data.back()["id"]}};
  return j.dump();
}

}  // namespace ccproxy::worker
