#pragma once
// POST /v1/messages: one client request through conversion, the upstream (with retries before
// the first byte), and back, streaming included. Internal to the worker (includes Asio).

#include <boost/asio/awaitable.hpp>

#include "worker/http/client_channel.h"
#include "worker/http/incoming_request.h"

namespace ccproxy::worker {

struct WorkerContext;

/// How the handler left the connection.
struct HandlerOutcome {
  int status = 200;
  bool close_connection = false;  // a cut stream or a failed write
};

/// Converts the request, calls the upstream (with retries) and answers or streams back. The
/// client connection is watched the whole time: when the client goes away the upstream request
/// is cancelled at once.
boost::asio::awaitable<HandlerOutcome> handle_messages(WorkerContext& ctx, ClientChannel& client,
                                                       IncomingRequest& request);

}  // namespace ccproxy::worker
