#pragma once
// A failed exchange with the upstream below the HTTP status level (no connection, timeout,
// cut), and how it reaches the client: as an Anthropic error, a metrics label and a retry
// decision. HTTP error statuses go through convert::upstream_error instead.

#include <string>
#include <string_view>

#include "worker/convert/convert.h"
#include "worker/upstream/retry_policy.h"

namespace ccproxy::worker {

enum class FailureKind {
  connect,             // DNS, TCP
  proxy,               // the proxy refused CONNECT or failed
  tls,                 // handshake or certificate verification
  connect_timeout,     //
  first_byte_timeout,  // no response headers in time
  idle_timeout,        // silence between two body chunks
  total_timeout,       // the whole request took too long
  closed,              // the upstream closed or reset the connection
  protocol,            // not HTTP we understand, or a body that does not parse
};

struct UpstreamFailure {
  FailureKind kind = FailureKind::connect;
  std::string detail;  // e.g. "connect 10.0.0.1:443: Connection refused"
  /// For `closed`: whether any response byte had arrived (a pooled connection that died
  /// before answering is retried transparently once).
  bool got_response_bytes = false;
};

/// The Anthropic error for the client: timeouts are 504 api_error, everything else 502
/// api_error, with a message that says what happened and where.
convert::ApiError to_api_error(const UpstreamFailure& failure);

/// For ccproxy_upstream_errors_total{kind=...}.
std::string_view metrics_kind(FailureKind kind);

/// The same failure as the retry policy sees it.
Attempt to_attempt(const UpstreamFailure& failure);

}  // namespace ccproxy::worker
