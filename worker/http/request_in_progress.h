#pragma once
// One client request while the Session reads and answers it: its parser, what is known of it,
// and what the Session asks of its head. Internal to the worker (includes Beast).

#include <boost/beast/http/fields.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cstddef>
#include <string>
#include <string_view>

#include "worker/http/incoming_request.h"
#include "worker/http/routes.h"
#include "worker/http/worker_context.h"

namespace ccproxy::worker {

using RequestParser = boost::beast::http::request_parser<boost::beast::http::string_body>;

/// Request heads larger than this are refused (431).
inline constexpr std::size_t kHeaderLimit = 64 * 1024;

/// One request while it is read and answered.
struct RequestInProgress {
  explicit RequestInProgress(std::size_t max_body_bytes) {
    parser.header_limit(kHeaderLimit);
    parser.body_limit(max_body_bytes);
    parser.eager(false);  // headers first; the body is read once the request is accepted
  }

  RequestParser parser;
  // What the parser found wrong in the head, or later in the body.
  error_code parse_error;
  // What follows the head in the shared read buffer when the head was parsed there (the usual
  // case: the head and the start of the body arrive in one read). It is consumed before the
  // next suspension point: moved into the body or into inbuf_.
  std::string_view rest;
  IncomingRequest req;
  std::string method;
  std::string target;
  bool keep_alive = false;
  RouteMatch route;
};

/// Feeds `bytes` to the parser, which is reading a head; `bytes` loses what it took. true when
/// the head is complete or bad (`parse_error` set); false when it needs more bytes.
bool parse_head(RequestParser& parser, std::string_view& bytes, error_code& parse_error);

/// Transfer codings the worker decodes: "chunked" alone. A body in any other coding (gzip,
/// deflate, br, even with chunked last) would reach the converter undecoded.
bool transfer_coding_implemented(const boost::beast::http::fields& head);

/// "Expect: 100-continue" (curl sends it for large bodies and would wait a second for the
/// interim answer otherwise).
bool expects_continue(const RequestParser& parser);

}  // namespace ccproxy::worker
