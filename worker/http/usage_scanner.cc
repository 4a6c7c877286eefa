#include "worker/http/usage_scanner.h"

namespace ccproxy::worker {

void UsageScanner::feed(std::string_view bytes) {
  partial_.append(bytes);
  std::size_t start = 0;
  while (true) {
    std::size_t nl = partial_.find('\n', start);
    if (nl == std::string::npos) {
      break;
    }
    std::string_view line(partial_.data() + start, nl - start);
    if (line.substr(0, 5) == "data:" && line.find("\"usage\"") != std::string_view::npos) {
      kept_.append(line);
      kept_ += "\n\n";
    } else if (line.substr(0, 6) == "event:" && line.find("error") != std::string_view::npos) {
      error_seen_ = true;
    }
    start = nl + 1;
  }
  partial_.erase(0, start);
  if (partial_.size() > (4u << 20)) {
    partial_.clear();  // a line this long is no usage line worth keeping
  }
}

convert::Usage UsageScanner::usage() const {
  return convert::anthropic_usage(kept_);
}

}  // namespace ccproxy::worker
