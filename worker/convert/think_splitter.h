#pragma once
// ThinkSplitter: streamed `content` that opens with a <think>...</think> block (models that
// reason inside their answer) split into thinking and text. Tags split across chunks are held
// back until they are complete; content that does not start with <think> is all text.

#include <string>
#include <string_view>

namespace ccproxy::convert::detail {

class ThinkSplitter {
 public:
  /// Receives the pieces, in order.
  class Sink {
   public:
    virtual void thinking(std::string_view data) = 0;
    virtual void text(std::string_view data) = 0;

   protected:
    ~Sink() = default;
  };

  /// The next piece of content.
  void feed(std::string_view data, Sink& sink);
  /// The content ended: what was held back is delivered (whitespace alone is not).
  void flush(Sink& sink);

 private:
  enum class Mode { start, in_think, after_think, text };
  void feed_start(std::string_view data, Sink& sink);
  void feed_in_think(std::string_view data, Sink& sink);
  void feed_after_think(std::string_view data, Sink& sink);

  Mode mode_ = Mode::start;
  std::string hold_;
};

}  // namespace ccproxy::convert::detail
