#pragma once
// SseParser: incremental Server-Sent Events parser (the WHATWG event-stream grammar) for
// upstream streams. Bytes may be split anywhere; lines end in "\r\n", "\n" or "\r"; ":"
// comment lines are ignored; several `data:` lines of one event are joined with "\n"; the
// `event:` field is kept; `id:` and `retry:` are ignored. A line or event larger than the
// configured cap puts the parser in a failed state (memory never grows without bound).

#include <cstddef>
#include <string>
#include <string_view>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace ccproxy::convert {

/// Index of the first '\n' or '\r' in p[i, n), or n. 16 bytes at a time where SSE2 is there:
/// a byte-by-byte scan was a tenth of a streaming worker's CPU time.
inline std::size_t find_line_end(const char* p, std::size_t i, std::size_t n) {
#if defined(__SSE2__)
  const __m128i lf = _mm_set1_epi8('\n');
  const __m128i cr = _mm_set1_epi8('\r');
  while (i + 16 <= n) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
    const int mask = _mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(v, lf), _mm_cmpeq_epi8(v, cr)));
    if (mask != 0) {
      return i + static_cast<std::size_t>(__builtin_ctz(static_cast<unsigned>(mask)));
    }
    i += 16;
  }
#endif
  while (i < n && p[i] != '\n' && p[i] != '\r') {
    ++i;
  }
  return i;
}

struct SseEvent {
  std::string_view event;  // the `event:` field, empty when absent
  std::string_view data;   // `data:` lines joined by "\n"; SseParser::kDataPadding readable
                           // bytes follow it (a JSON parser may read past the end)
};

class SseParser {
 public:
  static constexpr std::size_t kDefaultMaxEventBytes = 8u << 20;
  /// Readable bytes after every event's data (simdjson's padding: chunks parse in place).
  static constexpr std::size_t kDataPadding = 64;

  explicit SseParser(std::size_t max_event_bytes = kDefaultMaxEventBytes)
      : max_event_bytes_(max_event_bytes) {}

  /// Feeds raw bytes; calls `on_event(const SseEvent&)` for every complete event. The views
  /// are valid during the call only. Returns false once a line or event exceeded the cap
  /// (then and afterwards nothing more is parsed).
  template <typename OnEvent>
  bool feed(std::string_view bytes, OnEvent&& on_event);

  /// End of input: a last line without a line break and a last event without the closing
  /// blank line are still delivered (servers that close right after `data: ...`).
  template <typename OnEvent>
  bool finish(OnEvent&& on_event);

  bool failed() const { return failed_; }
  /// Bytes buffered for an incomplete line or event.
  std::size_t buffered_bytes() const { return line_.size() + data_.size(); }

 private:
  enum class LineResult { none, dispatch, overflow };
  LineResult process_line(std::string_view line);
  void reset_event();

  std::size_t max_event_bytes_;
  std::string line_;   // an incomplete line carried over between feeds
  std::string data_;   // the current event's data
  std::string event_;  // the current event's type
  bool has_data_ = false;
  static constexpr unsigned char kBom[3] = {0xEF, 0xBB, 0xBF};
  bool bom_pending_ = true;
  std::size_t bom_matched_ = 0;
  bool skip_lf_ = false;  // the previous feed ended in '\r'
  bool failed_ = false;
};

template <typename OnEvent>
bool SseParser::feed(std::string_view bytes, OnEvent&& on_event) {
  std::size_t i = 0;
  const std::size_t n = bytes.size();
  // A UTF-8 byte order mark at the very start of the stream is not part of the first line.
  while (bom_pending_ && i < n) {
    if (static_cast<unsigned char>(bytes[i]) != kBom[bom_matched_]) {
      bom_pending_ = false;
      if (bom_matched_ > 0) {
        line_.append(reinterpret_cast<const char*>(kBom), bom_matched_);
      }
      break;
    }
    ++i;
    if (++bom_matched_ == 3) {
      bom_pending_ = false;
    }
  }
  while (i < n && !failed_) {
    if (skip_lf_) {
      skip_lf_ = false;
      if (bytes[i] == '\n') {
        ++i;
        continue;
      }
    }
    // Find the end of the current line.
    std::size_t j = find_line_end(bytes.data(), i, n);
    if (j == n) {
      // Incomplete line: keep it for the next feed, bounded.
      if (line_.size() + (n - i) > max_event_bytes_) {
        failed_ = true;
        line_.clear();
        data_.clear();
        return false;
      }
      line_.append(bytes.data() + i, n - i);
      return true;
    }
    LineResult result;
    if (line_.empty()) {
      result = process_line(bytes.substr(i, j - i));
    } else {
      if (line_.size() + (j - i) > max_event_bytes_) {
        failed_ = true;
        return false;
      }
      line_.append(bytes.data() + i, j - i);
      result = process_line(line_);
      line_.clear();
    }
    if (bytes[j] == '\r') {
      if (j + 1 < n) {
        if (bytes[j + 1] == '\n') {
          ++j;
        }
      } else {
        skip_lf_ = true;
      }
    }
    i = j + 1;
    if (result == LineResult::overflow) {
      failed_ = true;
      data_.clear();
      return false;
    }
    if (result == LineResult::dispatch) {
      on_event(SseEvent{event_, data_});
      reset_event();
    }
  }
  return !failed_;
}

template <typename OnEvent>
bool SseParser::finish(OnEvent&& on_event) {
  if (failed_) {
    return false;
  }
  if (!line_.empty()) {
    std::string last;
    last.swap(line_);
    if (process_line(last) == LineResult::overflow) {
      failed_ = true;
      return false;
    }
  }
  if (has_data_) {
    on_event(SseEvent{event_, data_});
  }
  reset_event();
  return true;
}

}  // namespace ccproxy::convert
