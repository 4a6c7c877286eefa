#pragma once
// The status line and headers of a response to the client, written by hand: the worker only
// ever sends identity-encoded bodies (never compressed, whatever Accept-Encoding says), with a
// Content-Length or, for SSE, chunked.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ccproxy::worker {

struct ResponseHead {
  int status = 200;
  std::string content_type = "application/json";
  /// nullopt: chunked transfer coding (streams).
  std::optional<std::size_t> content_length = 0;
  bool keep_alive = true;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers
};

std::string_view reason_phrase(int status);
std::string serialize(const ResponseHead& head);

/// One chunk of the chunked transfer coding ("" for none: an empty chunk would end the body).
std::string chunk(std::string_view data);
/// The same, appended to `out`.
void append_chunk(std::string& out, std::string_view data);
inline constexpr std::string_view kLastChunk = "0\r\n\r\n";

}  // namespace ccproxy::worker
