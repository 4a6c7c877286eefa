#include "worker/convert/token_estimate.h"

#include <cstdint>

namespace ccproxy::convert {
namespace {

// Rates in thousandths of a token, fitted (least squares on relative error) against a
// reference BPE tokenizer over prose, source code, JSON schemas and the Claude Code request
// fixture; see the README for the method and the measured error.
constexpr int64_t kWord = 1120;          // an ASCII word (letters and '_')
constexpr int64_t kLongWordChunk = 170;  // per letter beyond 10 (long identifiers)
constexpr int64_t kDigitGroup = 980;     // per started group of 3 digits
constexpr int64_t kPunctuation = 430;    // ASCII symbols; JSON syntax often merges in pairs
constexpr int64_t kNewlineRun = 1370;
constexpr int64_t kSpaceRun = 1500;  // indentation (a single space is absorbed by a word)
constexpr int64_t kCjk = 820;        // per CJK character (3-byte UTF-8, U+3000..U+9FFF)
constexpr int64_t kOtherNonAscii = 1000;
constexpr int64_t kEmoji = 2000;  // 4-byte UTF-8

enum Class : uint8_t { kLetter, kDigit, kNewline, kSpace, kSymbol, kHigh };

struct ClassTable {
  uint8_t c[256];
  constexpr ClassTable() : c() {
    for (int i = 0; i < 256; ++i) {
      if ((i >= 'a' && i <= 'z') || (i >= 'A' && i <= 'Z') || i == '_') {
        c[i] = kLetter;
      } else if (i >= '0' && i <= '9') {
        c[i] = kDigit;
      } else if (i == '\n' || i == '\r') {
        c[i] = kNewline;
      } else if (i == ' ' || i == '\t') {
        c[i] = kSpace;
      } else if (i < 0x80) {
        c[i] = kSymbol;
      } else {
        c[i] = kHigh;
      }
    }
  }
};
constexpr ClassTable kClass;

}  // namespace

double estimate_text_tokens(std::string_view text) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  int64_t milli = 0;
  size_t i = 0;
  while (i < n) {
    const uint8_t cls = kClass.c[p[i]];
    size_t j = i + 1;
    switch (cls) {
      case kLetter:
        while (j < n && kClass.c[p[j]] == kLetter) {
          ++j;
        }
        milli += kWord + (j - i > 10 ? int64_t(j - i - 10) * kLongWordChunk : 0);
        break;
      case kDigit:
        while (j < n && kClass.c[p[j]] == kDigit) {
          ++j;
        }
        milli += int64_t((j - i + 2) / 3) * kDigitGroup;
        break;
      case kNewline:
        while (j < n && kClass.c[p[j]] == kNewline) {
          ++j;
        }
        milli += kNewlineRun;
        break;
      case kSpace:
        while (j < n && kClass.c[p[j]] == kSpace) {
          ++j;
        }
        if (j - i > 1) {
          milli += kSpaceRun;
        }
        break;
      case kSymbol:
        milli += kPunctuation;
        break;
      default: {
        const unsigned char c = p[i];
        if (c >= 0xF0) {
          milli += kEmoji;
          j = i + 4;
        } else if (c >= 0xE0) {
          milli += (c >= 0xE3 && c <= 0xE9) ? kCjk : kOtherNonAscii;
          j = i + 3;
        } else if (c >= 0xC0) {
          milli += kOtherNonAscii;
          j = i + 2;
        }
        // A stray continuation byte counts nothing.
        break;
      }
    }
    i = j;
  }
  return double(milli) / 1000.0;
}

}  // namespace ccproxy::convert
