#include "worker/http/response_head.h"

#include <cstdio>

namespace ccproxy::worker {

std::string_view reason_phrase(int status) {
  switch (status) {
    case 100:
      return "Continue";
    case 200:
      return "OK";
    case 204:
      return "No Content";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 413:
      return "Payload Too Large";
    case 415:
      return "Unsupported Media Type";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    case 529:
      return "Overloaded";
    default:
      return "Unknown";
  }
}

std::string serialize(const ResponseHead& head) {
  // Appended piece by piece: no temporaries (this runs for every response).
  std::string out;
  out.reserve(256);
  char number[24];
  out += "HTTP/1.1 ";
  out.append(number,
             static_cast<std::size_t>(std::snprintf(number, sizeof number, "%d", head.status)));
  out += ' ';
  out += reason_phrase(head.status);
  out += "\r\n";
  if (!head.content_type.empty()) {
    out += "Content-Type: ";
    out += head.content_type;
    out += "\r\n";
  }
  if (head.content_length) {
    out += "Content-Length: ";
    out.append(number, static_cast<std::size_t>(
                           std::snprintf(number, sizeof number, "%zu", *head.content_length)));
    out += "\r\n";
  } else {
    out += "Transfer-Encoding: chunked\r\n";
  }
  for (const auto& [name, value] : head.headers) {
    out += name;
    out += ": ";
    out += value;
    out += "\r\n";
  }
  out += head.keep_alive ? "Connection: keep-alive\r\n" : "Connection: close\r\n";
  out += "\r\n";
  return out;
}

std::string chunk(std::string_view data) {
  std::string out;
  append_chunk(out, data);
  return out;
}

void append_chunk(std::string& out, std::string_view data) {
  if (data.empty()) {
    return;
  }
  char size[32];
  const int n = std::snprintf(size, sizeof size, "%zx\r\n", data.size());
  out.append(size, static_cast<std::size_t>(n));
  out.append(data);
  out += "\r\n";
}

}  // namespace ccproxy::worker
