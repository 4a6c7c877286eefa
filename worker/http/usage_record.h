#pragma once
// One finished /v1/messages request, handed to the usage ledger (when the worker has one).
// Internal to the worker.

#include <string>

#include "worker/convert/usage.h"
#include "worker/http/client_channel.h"
#include "worker/http/incoming_request.h"
#include "worker/http/worker_context.h"

namespace ccproxy::worker {

/// What the handler knows of a request when it ends.
struct FinishedRequest {
  const std::string& client_model;
  const std::string& upstream_model;
  const std::string& upstream;  // the pool's upstream that answered ("" when none did)
  bool stream = false;
  const convert::Usage& usage;
  int status = 0;  // 499: the client left
};

/// Queues the request's ledger row; does nothing without a ledger. Never blocks.
void record_usage(WorkerContext& ctx, const IncomingRequest& req, const ClientChannel& client,
                  const FinishedRequest& done);

}  // namespace ccproxy::worker
