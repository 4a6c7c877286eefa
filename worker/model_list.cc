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

/// The model a family's tier maps to: the first upstream (in profile order) that serves the
/// tier, else, for middle and small, the tier they fall back to (middle, then big).
std::string target_of(const std::vector<UpstreamConfig>& upstreams, Tier tier) {
  for (Tier t : {tier, Tier::middle, Tier::big}) {
    if (t == Tier::middle && tier == Tier::big) {
      continue;
    }
    for (const UpstreamConfig& u : upstreams) {
      if (const std::string& m = u.models.model_for(t); !m.empty()) {
        return m;
      }
    }
  }
  return "";
}

}  // namespace

std::string models_json(const std::vector<UpstreamConfig>& upstreams,
                        const std::string& provider_created_at) {
  nlohmann::ordered_json data = nlohmann::ordered_json::array();
  for (const auto& c : kClaudeModels) {
    data.push_back({{"type", "model"},
                    {"id", c.id},
                    {"display_name", std::string(c.name) + " → " + target_of(upstreams, c.tier)},
                    {"created_at", c.created_at}});
  }
  std::set<std::string> seen;
  for (const UpstreamConfig& u : upstreams) {
    for (auto tier : kAllTiers) {
      const std::string& m = u.models.model_for(tier);
      if (m.empty() || !seen.insert(m).second) {
        continue;
      }
      std::string label = m + " (" + tier_name(tier);
      if (upstreams.size() > 1) {
        label += ", " + u.name;
      }
      data.push_back({{"type", "model"},
                      {"id", m},
                      {"display_name", label + ")"},
                      {"created_at", provider_created_at}});
    }
  }
  nlohmann::ordered_json j = {{"data", data},
                              {"has_more", false},
                              {"first_id", data.front()["id"]},
                              {"last_id", data.back()["id"]}};
  return j.dump();
}

}  // namespace ccproxy::worker
