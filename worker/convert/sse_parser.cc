#include "worker/convert/sse_parser.h"

namespace ccproxy::convert {

SseParser::LineResult SseParser::process_line(std::string_view line) {
  if (line.empty()) {
    return has_data_ ? LineResult::dispatch : (reset_event(), LineResult::none);
  }
  if (line[0] == ':') {
    return LineResult::none;  // comment (keep-alive)
  }
  std::string_view field = line;
  std::string_view value;
  if (auto colon = line.find(':'); colon != std::string_view::npos) {
    field = line.substr(0, colon);
    value = line.substr(colon + 1);
    if (!value.empty() && value[0] == ' ') {
      value.remove_prefix(1);
    }
  }
  if (field == "data") {
    const std::size_t extra = value.size() + (has_data_ ? 1 : 0);
    if (data_.size() + extra > max_event_bytes_) {
      return LineResult::overflow;
    }
    if (has_data_) {
      data_.push_back('\n');
    }
    if (data_.capacity() < data_.size() + value.size() + kDataPadding) {
      data_.reserve(2 * (data_.size() + value.size()) + kDataPadding);
    }
    data_.append(value);
    has_data_ = true;
  } else if (field == "event") {
    if (value.size() > 256) {
      value = value.substr(0, 256);
    }
    event_.assign(value);
  }
  return LineResult::none;
}

void SseParser::reset_event() {
  data_.clear();
  event_.clear();
  has_data_ = false;
}

}  // namespace ccproxy::convert
