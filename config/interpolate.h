#pragma once
// ${VAR} interpolation in profile strings: ${VAR} (must be set and non-empty), ${VAR:-default}
// (default when VAR is unset or empty), $$ for a literal '$'. A '$' followed by anything else
// stays as it is, so passwords with a '$' need no escaping.

#include <string>
#include <string_view>

#include "common/result.h"
#include "config/environment.h"

namespace ccproxy::config {

/// The text with every ${...} replaced, or a message naming the variable, e.g.
/// "variable REQUESTY_API_KEY is not set (environment or .env)".
Result<std::string> interpolate(std::string_view text, const Environment& env);

/// `text` written so that interpolate() gives it back unchanged ('$' -> "$$").
std::string escape_interpolation(std::string_view text);

bool is_variable_name(std::string_view name);

}  // namespace ccproxy::config
