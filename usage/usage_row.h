#pragma once
// One /v1/messages request as the usage ledger keeps it (one row of the `requests` table).

#include <cstdint>
#include <string>

namespace ccproxy::usage {

struct UsageRow {
  std::int64_t time_ms = 0;       // when the request started, Unix time in milliseconds (UTC)
  std::string profile;            // the worker's profile
  std::string upstream;           // which upstream answered (its label)
  std::string model;              // the provider model the request went to
  std::string client_model;       // the Claude model Claude Code asked for
  std::string session;            // x-claude-code-session-id; "" when the client sent none
  bool stream = false;            // a streamed answer
  int status = 0;                 // HTTP status the client got; 499: the client left
  std::int64_t input_tokens = 0;  // uncached input
  std::int64_t output_tokens = 0;
  std::int64_t cache_read_tokens = 0;   // input served from the provider's prompt cache
  std::int64_t cache_write_tokens = 0;  // input written to the provider's prompt cache
  std::int64_t latency_ms = 0;          // request start to last byte
  std::int64_t ttfb_ms = -1;            // request start to the first byte sent; -1: none sent
};

}  // namespace ccproxy::usage
