#include "worker/http/request_in_progress.h"

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/range/iterator_range.hpp>

namespace ccproxy::worker {

namespace http = boost::beast::http;

bool parse_head(RequestParser& parser, std::string_view& bytes, error_code& parse_error) {
  const std::size_t used = parser.put(asio::buffer(bytes.data(), bytes.size()), parse_error);
  bytes.remove_prefix(used);
  if (!parse_error && parser.is_header_done()) {
    return true;
  }
  if (parse_error && parse_error != http::error::need_more) {
    return true;
  }
  parse_error = {};
  return false;
}

bool transfer_coding_implemented(const http::fields& head) {
  std::size_t fields = 0;
  for (const auto& field :
       boost::make_iterator_range(head.equal_range(http::field::transfer_encoding))) {
    if (++fields > 1 || !boost::beast::iequals(field.value(), "chunked")) {
      return false;
    }
  }
  return true;
}

bool expects_continue(const RequestParser& parser) {
  return boost::beast::iequals(parser.get()[http::field::expect], "100-continue");
}

}  // namespace ccproxy::worker
