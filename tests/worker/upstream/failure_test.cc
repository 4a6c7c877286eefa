#include "worker/upstream/failure.h"

#include <gtest/gtest.h>

#include "worker/health.h"
#include "worker/http/response_head.h"
#include "worker/request_log.h"

namespace ccproxy::worker {
namespace {

TEST(UpstreamFailure, TimeoutsAre504AndTheRestIs502) {
  for (auto k : {FailureKind::connect_timeout, FailureKind::first_byte_timeout,
                 FailureKind::idle_timeout, FailureKind::total_timeout}) {
    auto e = to_api_error(UpstreamFailure{k, ""});
    EXPECT_EQ(e.status, 504);
    EXPECT_EQ(e.type, "api_error");
    EXPECT_EQ(metrics_kind(k), "timeout");
  }
  for (auto k : {FailureKind::connect, FailureKind::proxy, FailureKind::tls, FailureKind::closed,
                 FailureKind::protocol}) {
    EXPECT_EQ(to_api_error(UpstreamFailure{k, ""}).status, 502);
  }
  auto e = to_api_error(UpstreamFailure{FailureKind::connect, "connect h:443: refused"});
  EXPECT_NE(e.message.find("connect h:443: refused"), std::string::npos);
}

TEST(UpstreamFailure, RetryClassification) {
  EXPECT_EQ(to_attempt({FailureKind::connect, ""}).failure, AttemptFailure::connect);
  EXPECT_EQ(to_attempt({FailureKind::proxy, ""}).failure, AttemptFailure::connect);
  EXPECT_EQ(to_attempt({FailureKind::connect_timeout, ""}).failure, AttemptFailure::connect);
  EXPECT_EQ(to_attempt({FailureKind::first_byte_timeout, ""}).failure,
            AttemptFailure::first_byte_timeout);
  EXPECT_EQ(to_attempt({FailureKind::closed, "", false}).failure, AttemptFailure::connection_lost);
  // Once the upstream started answering, a cut is not retried (it may have done the work).
  EXPECT_EQ(to_attempt({FailureKind::closed, "", true}).failure, AttemptFailure::fatal);
  EXPECT_EQ(to_attempt({FailureKind::tls, ""}).failure, AttemptFailure::fatal);
  EXPECT_EQ(to_attempt({FailureKind::idle_timeout, ""}).failure, AttemptFailure::fatal);
}

TEST(RequestLog, SecretsAreRedacted) {
  std::string key = "sk-abcdefghijklmnop1234";
  std::string out = redact_secrets("{\"k\":\"" + key + "\",\"again\":\"" + key + "\"}", {key, ""});
  EXPECT_EQ(out.find(key), std::string::npos);
  EXPECT_NE(out.find("1234"), std::string::npos);
  EXPECT_EQ(loggable_header("Authorization", "Bearer " + key).find(key), std::string::npos);
  EXPECT_EQ(loggable_header("x-api-key", key).find(key), std::string::npos);
  EXPECT_EQ(loggable_header("anthropic-beta", "a,b"), "anthropic-beta: a,b");
  EXPECT_EQ(new_request_id().size(), 28u);
  EXPECT_NE(new_message_id(), new_message_id());
}

TEST(Health, DisplayUrlDropsCredentials) {
  EXPECT_EQ(display_url("https://user:pw@h.com/v1"), "https://h.com/v1");
  EXPECT_EQ(display_url("https://h.com/v1?a=b@c"), "https://h.com/v1?a=b@c");
  EXPECT_EQ(display_url("https://h.com"), "https://h.com");
}

TEST(Health, JsonHasTheDocumentedShapeAndNoKey) {
  WorkerConfig c;
  c.profile = "glm";
  UpstreamConfig u;
  u.name = "requesty";
  u.api_keys = {"sk-secret-upstream-key-999", "sk-secret-second-key-888"};
  u.base_url = "https://router.requesty.ai/v1";
  u.models.big = "b";
  u.models.middle = "m";
  u.models.small = "s";
  c.upstreams.push_back(u);
  Metrics m;
  HealthSnapshot s;
  s.config = &c;
  s.port = 8082;
  s.pid = 42;
  s.uptime_s = 3.7;
  s.timestamp = "2026-01-01T00:00:00.000Z";
  s.metrics = &m;
  UpstreamStatus st;
  st.name = "requesty";
  st.state = UpstreamState::cooldown;
  st.cooldown_left_s = 40.2;
  st.keys_ok = 1;
  st.keys_total = 2;
  st.last_error = "HTTP 429";
  s.upstreams.push_back(st);
  std::string j = health_json(s);
  EXPECT_EQ(j.find("sk-secret"), std::string::npos);
  EXPECT_EQ(j.rfind("{\"status\":\"healthy\"", 0), 0u) << j;
  for (const char* key :
       {"\"server\":{\"host\":\"127.0.0.1\",\"port\":8082}", "\"big_model\":\"b\"",
        "\"openai_api_configured\":true", "\"client_api_key_validation\":false",
        "\"openai_base_url\":\"https://router.requesty.ai/v1\"", "\"profile\":\"glm\"",
        "\"pid\":42", "\"uptime_s\":3",
        "\"upstreams\":[{\"name\":\"requesty\",\"state\":\"cooldown\",\"cooldown_left_s\":41.0,"
        "\"keys_ok\":1,\"keys_total\":2,\"last_error\":\"HTTP 429\""}) {
    EXPECT_NE(j.find(key), std::string::npos) << key << " in " << j;
  }
}

TEST(ResponseHead, SerializesWithoutCompression) {
  ResponseHead h;
  h.status = 413;
  h.content_length = 5;
  h.keep_alive = false;
  h.headers.emplace_back("request-id", "req_1");
  EXPECT_EQ(serialize(h),
            "HTTP/1.1 413 Payload Too Large\r\nContent-Type: application/json\r\n"
            "Content-Length: 5\r\nrequest-id: req_1\r\nConnection: close\r\n\r\n");
  ResponseHead s;
  s.content_type = "text/event-stream";
  s.content_length = std::nullopt;
  EXPECT_NE(serialize(s).find("Transfer-Encoding: chunked\r\n"), std::string::npos);
  EXPECT_EQ(chunk("hello"), "5\r\nhello\r\n");
  EXPECT_EQ(chunk(""), "");
  std::string out = "head";
  append_chunk(out, std::string(26, 'x'));
  append_chunk(out, "");
  append_chunk(out, "ab");
  EXPECT_EQ(out, "head1a\r\n" + std::string(26, 'x') + "\r\n2\r\nab\r\n");
}

}  // namespace
}  // namespace ccproxy::worker
