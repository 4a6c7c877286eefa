#pragma once
// An incremental HTTP/1.1 response parser for the upstream side, on Beast's basic_parser: status
// line and headers, then the body by Content-Length, chunked transfer coding or connection
// close. Bytes can be split anywhere. Body bytes are handed out as they arrive (SSE must not
// wait for a whole chunk of the transfer coding to be buffered beyond what was received). A
// malformed head (a bare LF in a header value, a bad field name, conflicting framing) is
// refused. Pure, no sockets.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"

namespace ccproxy::worker {

class HttpResponseParser {
 public:
  HttpResponseParser();
  ~HttpResponseParser();
  HttpResponseParser(HttpResponseParser&&) noexcept;
  HttpResponseParser& operator=(HttpResponseParser&&) noexcept;

  /// For a CONNECT request: the response's body is not read (a 2xx is followed by the tunnel;
  /// after any other status the connection is not used again).
  void expect_connect_response();

  /// Consumes bytes; appends decoded body bytes to `body`. Returns the number of bytes used
  /// (less than data.size() only when the response is complete), or an error text.
  Result<std::size_t, std::string> feed(std::string_view data, std::string& body);
  /// The connection reached EOF: completes a close-delimited body, else an error.
  Result<void, std::string> finish_eof();

  bool head_complete() const;
  bool complete() const;
  int status() const;
  /// Views into the final head's fields, in the order received (empty until the head is
  /// complete; trailers are not included).
  const std::vector<std::pair<std::string_view, std::string_view>>& headers() const;
  /// First value of a header, case-insensitive name; empty when absent.
  std::string_view header(std::string_view name) const;
  /// The connection can carry another request after this response.
  bool keep_alive() const;

 private:
  class Message;  // one response on Beast's basic_parser (a 1xx head starts a new one)

  /// Runs `in` through the parser (past 1xx heads) until it needs more bytes or the
  /// response is complete; returns how many bytes of `in` it took. Sets `error` on a
  /// malformed response.
  std::size_t parse(std::string_view in, std::string& body, std::string& error);
  /// Where the piece of `data` from `from` that goes after the left-over bytes ends.
  static std::size_t piece_end(std::string_view data, std::size_t from);
  /// The bytes kept for the next feed (an incomplete head field, chunk-size line or trailer
  /// section) stay within the limits on head and line size.
  bool pending_within_limits() const;
  std::string pending_error() const;

  std::unique_ptr<Message> message_;
  std::string pending_;  // bytes received but not yet taken by the parser
  bool connect_ = false;
};

}  // namespace ccproxy::worker
