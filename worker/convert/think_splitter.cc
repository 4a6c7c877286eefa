#include "worker/convert/think_splitter.h"

#include <algorithm>

#include "worker/convert/json_access.h"

namespace ccproxy::convert::detail {
namespace {

constexpr std::string_view kThinkOpen = "<think>";
constexpr std::string_view kThinkClose = "</think>";

}  // namespace

void ThinkSplitter::feed(std::string_view data, Sink& sink) {
  switch (mode_) {
    case Mode::text:
      sink.text(data);
      return;
    case Mode::start:
      feed_start(data, sink);
      return;
    case Mode::in_think:
      feed_in_think(data, sink);
      return;
    case Mode::after_think:
      feed_after_think(data, sink);
      return;
  }
}

// Leading whitespace and what may be the start of "<think>" are held until they decide.
void ThinkSplitter::feed_start(std::string_view data, Sink& sink) {
  hold_.append(data);
  const std::string_view rest = skip_json_space(hold_);
  if (rest.empty()) {
    return;  // only whitespace so far
  }
  if (rest.size() < kThinkOpen.size() && kThinkOpen.substr(0, rest.size()) == rest) {
    return;  // maybe the start of "<think>"
  }
  if (rest.substr(0, kThinkOpen.size()) == kThinkOpen) {
    std::string after(rest.substr(kThinkOpen.size()));
    hold_.clear();
    mode_ = Mode::in_think;
    feed(after, sink);
    return;
  }
  std::string text;
  text.swap(hold_);
  mode_ = Mode::text;
  sink.text(text);
}

void ThinkSplitter::feed_in_think(std::string_view data, Sink& sink) {
  hold_.append(data);
  const size_t close = hold_.find(kThinkClose);
  if (close != std::string::npos) {
    std::string thinking = hold_.substr(0, close);
    std::string after = hold_.substr(close + kThinkClose.size());
    hold_.clear();
    sink.thinking(thinking);
    mode_ = Mode::after_think;
    feed(after, sink);
    return;
  }
  // Emit all but a tail that could be the start of "</think>".
  size_t keep = 0;
  for (size_t k = std::min(kThinkClose.size() - 1, hold_.size()); k > 0; --k) {
    if (std::string_view(hold_).substr(hold_.size() - k) == kThinkClose.substr(0, k)) {
      keep = k;
      break;
    }
  }
  if (hold_.size() > keep) {
    std::string thinking = hold_.substr(0, hold_.size() - keep);
    hold_.erase(0, hold_.size() - keep);
    sink.thinking(thinking);
  }
}

// Whitespace between "</think>" and the answer is dropped.
void ThinkSplitter::feed_after_think(std::string_view data, Sink& sink) {
  const std::string_view text = skip_json_space(data);
  if (text.empty()) {
    return;
  }
  mode_ = Mode::text;
  sink.text(text);
}

void ThinkSplitter::flush(Sink& sink) {
  if (hold_.empty()) {
    return;
  }
  std::string held;
  held.swap(hold_);
  if (mode_ == Mode::in_think) {
    sink.thinking(held);
  } else if (mode_ == Mode::start) {
    if (skip_json_space(held).empty()) {
      return;  // whitespace-only content carries nothing: no empty-looking text block
    }
    mode_ = Mode::text;
    sink.text(held);
  }
}

}  // namespace ccproxy::convert::detail
