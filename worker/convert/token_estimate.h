#pragma once
// A tokenizer-free estimate of how many tokens a Claude model would count for a text.

#include <cstdint>
#include <string_view>

namespace ccproxy::convert {

/// Estimated tokens of `text`: ASCII words, digit groups, punctuation and JSON syntax,
/// line breaks and indentation, and non-ASCII characters (CJK, emoji) at separate rates.
double estimate_text_tokens(std::string_view text);

}  // namespace ccproxy::convert
