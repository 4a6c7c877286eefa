#include "worker/convert/token_estimate.h"

namespace ccproxy::convert {
namespace {

// Rates fitted on English prose, source code and JSON schemas (see the README).
constexpr double kWordBase = 1.0;        // a word of up to kWordChunk letters
constexpr double kWordChunk = 6.0;       // each further chunk of letters
constexpr double kDigitsPerToken = 3.0;  // digit groups
constexpr double kPunctuation = 0.75;    // symbols often merge in pairs ("{\"", "\":")
constexpr double kNewlineRun = 1.0;
constexpr double kSpaceRun = 0.5;  // indentation beyond the single space a word absorbs
constexpr double kCjk = 1.1;       // per character (3-byte UTF-8)
constexpr double kOtherNonAscii = 0.8;
constexpr double kEmoji = 2.0;  // 4-byte UTF-8

bool is_letter(unsigned char c) {
  return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
}
bool is_digit(unsigned char c) {
  return c >= '0' && c <= '9';
}

}  // namespace

double estimate_text_tokens(std::string_view text) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  double tokens = 0;
  size_t i = 0;
  while (i < n) {
    const unsigned char c = p[i];
    if (is_letter(c)) {
      size_t j = i;
      while (j < n && (is_letter(p[j]) || p[j] == '_')) {
        ++j;
      }
      const double len = double(j - i);
      tokens += kWordBase + (len > kWordChunk ? (len - kWordChunk) / kWordChunk : 0.0);
      i = j;
    } else if (is_digit(c)) {
      size_t j = i;
      while (j < n && is_digit(p[j])) {
        ++j;
      }
      tokens += double((j - i) + kDigitsPerToken - 1) / kDigitsPerToken;
      i = j;
    } else if (c == '\n' || c == '\r') {
      while (i < n && (p[i] == '\n' || p[i] == '\r')) {
        ++i;
      }
      tokens += kNewlineRun;
    } else if (c == ' ' || c == '\t') {
      size_t j = i;
      while (j < n && (p[j] == ' ' || p[j] == '\t')) {
        ++j;
      }
      if (j - i > 1) {
        tokens += kSpaceRun;
      }
      i = j;
    } else if (c < 0x80) {
      tokens += kPunctuation;
      ++i;
    } else if (c >= 0xF0) {
      tokens += kEmoji;
      i += 4;
    } else if (c >= 0xE0) {
      tokens += (c >= 0xE3 && c <= 0xE9) ? kCjk : kOtherNonAscii;
      i += 3;
    } else if (c >= 0xC0) {
      tokens += kOtherNonAscii;
      i += 2;
    } else {
      ++i;  // stray continuation byte
    }
  }
  return tokens;
}

}  // namespace ccproxy::convert
