#include "worker/upstream/failure.h"

namespace ccproxy::worker {

convert::ApiError to_api_error(const UpstreamFailure& failure) {
  convert::ApiError e;
  e.type = "api_error";
  switch (failure.kind) {
    case FailureKind::connect_timeout:
      e.status = 504;
      e.message = "upstream connect timed out";
      break;
    case FailureKind::first_byte_timeout:
      e.status = 504;
      e.message = "upstream did not start responding in time";
      break;
    case FailureKind::idle_timeout:
      e.status = 504;
      e.message = "upstream stopped sending data (idle timeout)";
      break;
    case FailureKind::total_timeout:
      e.status = 504;
      e.message = "upstream request exceeded the total timeout";
      break;
    case FailureKind::connect:
      e.status = 502;
      e.message = "cannot connect to the upstream";
      break;
    case FailureKind::proxy:
      e.status = 502;
      e.message = "the upstream proxy failed";
      break;
    case FailureKind::tls:
      e.status = 502;
      e.message = "TLS with the upstream failed";
      break;
    case FailureKind::closed:
      e.status = 502;
      e.message = "upstream closed the connection";
      break;
    case FailureKind::protocol:
      e.status = 502;
      e.message = "invalid response from the upstream";
      break;
  }
  if (!failure.detail.empty()) {
    e.message += ": " + failure.detail;
  }
  return e;
}

std::string_view metrics_kind(FailureKind kind) {
  switch (kind) {
    case FailureKind::connect:
      return "connect";
    case FailureKind::proxy:
      return "proxy";
    case FailureKind::tls:
      return "tls";
    case FailureKind::connect_timeout:
    case FailureKind::first_byte_timeout:
    case FailureKind::idle_timeout:
    case FailureKind::total_timeout:
      return "timeout";
    case FailureKind::closed:
      return "closed";
    case FailureKind::protocol:
      return "protocol";
  }
  return "other";
}

Attempt to_attempt(const UpstreamFailure& failure) {
  Attempt a;
  switch (failure.kind) {
    case FailureKind::connect:
    case FailureKind::connect_timeout:
    case FailureKind::proxy:
      a.failure = AttemptFailure::connect;
      break;
    case FailureKind::first_byte_timeout:
      a.failure = AttemptFailure::first_byte_timeout;
      break;
    case FailureKind::closed:
      a.failure =
          failure.got_response_bytes ? AttemptFailure::fatal : AttemptFailure::connection_lost;
      break;
    case FailureKind::tls:
    case FailureKind::idle_timeout:
    case FailureKind::total_timeout:
    case FailureKind::protocol:
      a.failure = AttemptFailure::fatal;
      break;
  }
  return a;
}

}  // namespace ccproxy::worker
