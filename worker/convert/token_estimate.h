#pragma once
// A tokenizer-free estimate of how many tokens a Claude model would count for a text.

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace ccproxy::convert {

/// Estimated tokens of `text`: ASCII words, digit groups, punctuation and JSON syntax,
/// line breaks and indentation, and non-ASCII characters (CJK, emoji) at separate rates.
double estimate_text_tokens(std::string_view text);

namespace detail {

/// The byte-at-a-time estimator and its state, exposed so tests can check the vectorized
/// estimate_text_tokens against it.
struct TokenScan {
  int64_t milli = 0;    // thousandths of a token so far
  uint8_t prev = 0xFF;  // class of the previous byte
  std::size_t run = 0;  // length of the run of that class so far
};
void estimate_tokens_scalar(const unsigned char* p, std::size_t n, TokenScan& state);

}  // namespace detail

}  // namespace ccproxy::convert
