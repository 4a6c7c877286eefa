#pragma once
// import-env: a legacy per-provider proxy file (.env-requesty-glm: OPENAI_API_KEY,
// OPENAI_BASE_URL, BIG_MODEL, ..., CUSTOM_HEADER_*) -> the text of an equivalent profile.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/environment.h"

namespace ccproxy::config {

struct LegacyImport {
  std::string toml;                   // the profile; empty when `errors` is not
  std::vector<std::string> warnings;  // never quote a secret
  std::vector<std::string> errors;    // nothing may be written when any
  bool has_literal_secret = false;    // the profile holds a key in clear (write it 0600)
};

/// `known` (may be null) lets a literal key that equals the value of a known variable (say
/// REQUESTY_API_KEY in .env) be written as ${REQUESTY_API_KEY} instead of in clear.
/// `provider_for` (may be null) names the provider a base URL and model resolve to; the
/// profile then states it as upstream.provider.
using ProviderNamer = std::string (*)(std::string_view base_url, std::string_view model);
LegacyImport convert_legacy_env(std::string_view text, std::string_view source_name,
                                const Environment* known, ProviderNamer provider_for = nullptr);

/// The profile name a legacy file name implies: ".env-requesty-glm" -> "glm", ".env.kimi" ->
/// "kimi", "glm.env" -> "glm" (a leading ".env-"/".env."/".env_", a trailing ".env", then a
/// leading "requesty-" are removed); nullopt for a bare ".env".
std::optional<std::string> profile_name_for_legacy_file(std::string_view file_name);

/// "CUSTOM_HEADER_USER_AGENT" suffix "USER_AGENT" -> "User-Agent".
std::string legacy_header_name(std::string_view suffix);

}  // namespace ccproxy::config
