#include "worker/http/usage_record.h"

#include <chrono>
#include <cstddef>
#include <string_view>

#include "usage/ledger_writer.h"

namespace ccproxy::worker {
namespace {

using Clock = std::chrono::steady_clock;

std::int64_t ms_between(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(to - from).count();
}

constexpr std::size_t kMaxSession = 128;

/// A client-given session id as stored: printable ASCII only, at most 128 characters (it is
/// shown in tables and on terminals later), written into `out`.
std::string_view clean_session(std::string_view id, char (&out)[kMaxSession]) {
  std::size_t n = 0;
  for (char c : id) {
    if (c > ' ' && c < 0x7f && n < kMaxSession) {
      out[n++] = c;
    }
  }
  return {out, n};
}

}  // namespace

void record_usage(WorkerContext& ctx, const IncomingRequest& req, const ClientChannel& client,
                  const FinishedRequest& done) {
  if (ctx.ledger == nullptr) {
    return;
  }
  const Clock::time_point now = Clock::now();
  const auto wall_now = std::chrono::system_clock::now();
  char session[kMaxSession];
  usage::UsageRowRef row;  // views: the ledger copies the texts in
  row.time_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                    (wall_now - (now - req.started)).time_since_epoch())
                    .count();
  row.profile = ctx.config.profile;
  row.upstream = done.upstream;
  row.model = done.upstream_model;
  row.client_model = done.client_model;
  row.session = clean_session(req.session_id, session);
  row.stream = done.stream;
  row.status = done.status;
  row.input_tokens = done.usage.input_tokens;
  row.output_tokens = done.usage.output_tokens;
  row.cache_read_tokens = done.usage.cache_read_input_tokens;
  row.cache_write_tokens = done.usage.cache_creation_input_tokens;
  row.latency_ms = ms_between(req.started, now);
  if (auto first = client.first_write()) {
    row.ttfb_ms = ms_between(req.started, *first);
  }
  ctx.ledger->add(row);
}

}  // namespace ccproxy::worker
