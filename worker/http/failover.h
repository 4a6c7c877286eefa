#pragma once
// The attempts behind one /v1/messages request: the request converted for each upstream of the
// pool it tries (its format, its models, its key), failover to the next candidate at once while
// nothing has reached the client, backoff and retries only once every candidate was tried.
// Internal to the worker (includes Asio through worker_context.h).

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "worker/convert/convert.h"
#include "worker/http/incoming_request.h"
#include "worker/http/request_record.h"
#include "worker/http/worker_context.h"

namespace ccproxy::worker {

/// The secrets the worker holds (every upstream key, the client key): none of them may leave
/// it, in a log line or in an answer.
std::vector<std::string_view> secrets_of(const WorkerConfig& config);

/// `error` as it may leave the worker: providers quote the credentials they were sent in
/// their errors ("Incorrect API key provided: Bearer sk-..."), so the configured secrets are
/// redacted from it.
convert::ApiError for_client(convert::ApiError error, const WorkerConfig& config);

/// How the attempts ended.
struct UpstreamCall {
  /// The exchange that answered 2xx (its body not read yet), or null.
  std::unique_ptr<UpstreamExchange> exchange;
  UpstreamPool::Attempt attempt;
  bool cancelled = false;  // the client went away
  /// Without an exchange: the answer for the client (fit for it), with the headers to copy
  /// (a well-formed Retry-After).
  convert::ApiError error;
  std::vector<std::pair<std::string, std::string>> headers;
};

/// Tries the pool's candidates for `req` until one answers 2xx, the request turns out to be
/// the client's problem (conversion error, a 4xx other than 401/402/403/429), or every
/// candidate and retry failed. `req.body` is kept (each upstream converts it) and released
/// once an upstream answered.
asio::awaitable<void> call_pool(WorkerContext& ctx, IncomingRequest& req, CallGuard& guard,
                                RequestRecord& record, UpstreamCall& out);

}  // namespace ccproxy::worker
