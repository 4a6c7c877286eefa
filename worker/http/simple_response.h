#pragma once
// The answers the HTTP front builds from local state with one complete body: the small
// endpoints (/health, /metrics, /, count_tokens) and the error answers to requests that are
// refused before reaching the upstream.

#include <boost/system/error_code.hpp>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "worker/convert/convert.h"
#include "worker/http/client_auth.h"

namespace ccproxy::worker {

struct WorkerContext;

/// A complete response body with its status.
struct SimpleResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

SimpleResponse error_response(const convert::ApiError& error);
SimpleResponse not_found_response(std::string_view method, std::string_view target);
SimpleResponse method_not_allowed_response(std::string_view method, std::string_view target,
                                           std::string_view allow);
/// A request head the parser refused: headers too large (431), a Content-Length over the
/// limit (413), malformed (400).
SimpleResponse bad_head_response(const boost::system::error_code& parse_error,
                                 std::size_t max_body_bytes);
/// A request body the parser refused: over the limit (413), malformed (400).
SimpleResponse bad_body_response(const boost::system::error_code& parse_error,
                                 std::size_t max_body_bytes);
/// The 501 for a body in a transfer coding the worker does not decode (anything but "chunked"
/// alone); `codings` is the request's Transfer-Encoding.
SimpleResponse unimplemented_transfer_coding_response(std::string_view codings);
/// The 401 for a missing or wrong client key; nullopt when the key is accepted.
std::optional<SimpleResponse> client_key_refusal(ClientAuth auth);
SimpleResponse health_response(const WorkerContext& ctx);
SimpleResponse metrics_response(const WorkerContext& ctx);
SimpleResponse root_response(const WorkerContext& ctx);
/// GET /v1/models (worker/model_list.h).
SimpleResponse models_response(const WorkerContext& ctx);
SimpleResponse count_tokens_response(std::string_view body);

}  // namespace ccproxy::worker
