#pragma once
// Values written into generated profiles (import-env), in TOML syntax.

#include <string>
#include <string_view>

namespace ccproxy::config {

/// A TOML basic string for `value`; with `escape_dollar`, '$' is doubled so that ${...}
/// interpolation gives `value` back.
std::string toml_string(std::string_view value, bool escape_dollar = true);

/// Outside text (a file name, say) for a `#` comment: control characters become escapes
/// (\n, \t, \u0000), so a line break in it cannot start a new line of settings.
std::string toml_comment_text(std::string_view text);

/// A non-negative number: whole ones without a fraction, else up to three decimals.
std::string toml_number(double v);

}  // namespace ccproxy::config
