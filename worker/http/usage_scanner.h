#pragma once
// What a pass-through stream is watched for on its way to the client: the SSE data lines that
// carry usage (so it can be accounted for without holding the whole stream), and whether an
// error event went by.

#include <string>
#include <string_view>

#include "worker/convert/usage.h"

namespace ccproxy::worker {

class UsageScanner {
 public:
  /// Upstream bytes, split anywhere.
  void feed(std::string_view bytes);
  convert::Usage usage() const;
  /// An `event: error` line went by.
  bool error_seen() const { return error_seen_; }

 private:
  std::string partial_;
  std::string kept_;
  bool error_seen_ = false;
};

}  // namespace ccproxy::worker
