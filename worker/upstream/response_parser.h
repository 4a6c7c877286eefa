#pragma once
// An incremental HTTP/1.1 response parser for the upstream side: status line and headers,
// then the body by Content-Length, chunked transfer coding or connection close. Bytes can be
// split anywhere. Body bytes are handed out as they arrive (SSE must not wait for a whole
// chunk of the transfer coding to be buffered beyond what was received). Pure, no sockets.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"

namespace ccproxy::worker {

class HttpResponseParser {
 public:
  /// For a CONNECT request: a 2xx response has no body (the tunnel follows).
  void expect_connect_response() { connect_ = true; }

  /// Consumes bytes; appends decoded body bytes to `body`. Returns the number of bytes used
  /// (less than data.size() only when the response is complete), or an error text.
  Result<std::size_t, std::string> feed(std::string_view data, std::string& body);
  /// The connection reached EOF: completes a close-delimited body, else an error.
  Result<void, std::string> finish_eof();

  bool head_complete() const { return state_ > State::head; }
  bool complete() const { return state_ == State::done; }
  int status() const { return status_; }
  /// Views into the head's text: valid until the next head is parsed.
  const std::vector<std::pair<std::string_view, std::string_view>>& headers() const {
    return headers_;
  }
  /// First value of a header, case-insensitive name; empty when absent.
  std::string_view header(std::string_view name) const;
  /// The connection can carry another request after this response.
  bool keep_alive() const { return keep_alive_; }

 private:
  enum class State {
    head,
    length,
    chunk_size,
    chunk_data,
    chunk_data_end,
    trailers,
    until_close,
    done
  };
  Result<void, std::string> parse_head(std::string_view head);

  State state_ = State::head;
  std::string line_;  // partial head / chunk-size line / trailer
  int status_ = 0;
  bool keep_alive_ = true;
  bool connect_ = false;
  uint64_t remaining_ = 0;
  std::string head_text_;
  std::vector<std::pair<std::string_view, std::string_view>> headers_;
};

}  // namespace ccproxy::worker
