#include "worker/upstream/response_parser.h"

#include <gtest/gtest.h>

namespace ccproxy::worker {
namespace {

// Feeds `wire` in pieces of `step` bytes; returns the body.
std::string feed_all(HttpResponseParser& p, std::string_view wire, std::size_t step) {
  std::string body;
  for (std::size_t i = 0; i < wire.size(); i += step) {
    auto r = p.feed(wire.substr(i, step), body);
    EXPECT_TRUE(r.ok()) << r.error();
  }
  return body;
}

TEST(HttpResponseParser, ContentLengthAnySplit) {
  std::string wire =
      "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n"
      "{\"a\":\"bcd\"}";
  for (std::size_t step : {1u, 2u, 7u, 1000u}) {
    HttpResponseParser p;
    EXPECT_EQ(feed_all(p, wire, step), "{\"a\":\"bcd\"}");
    EXPECT_TRUE(p.complete());
    EXPECT_EQ(p.status(), 200);
    EXPECT_EQ(p.header("content-type"), "application/json");
    EXPECT_TRUE(p.keep_alive());
  }
}

TEST(HttpResponseParser, ChunkedWithExtensionsAndTrailers) {
  std::string wire =
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n";
  for (std::size_t step : {1u, 3u, 1000u}) {
    HttpResponseParser p;
    EXPECT_EQ(feed_all(p, wire, step), "hello world");
    EXPECT_TRUE(p.complete());
  }
}

TEST(HttpResponseParser, BodyBytesArriveBeforeTheChunkEnds) {
  HttpResponseParser p;
  std::string body;
  ASSERT_TRUE(
      p.feed("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\ndata: ", body).ok());
  EXPECT_EQ(body, "data: ");  // SSE must not wait for the rest of the chunk
  EXPECT_FALSE(p.complete());
}

TEST(HttpResponseParser, CloseDelimited) {
  HttpResponseParser p;
  std::string body;
  ASSERT_TRUE(p.feed("HTTP/1.1 200 OK\r\n\r\nstream until close", body).ok());
  EXPECT_FALSE(p.complete());
  EXPECT_FALSE(p.keep_alive());
  EXPECT_TRUE(p.finish_eof().ok());
  EXPECT_TRUE(p.complete());
  EXPECT_EQ(body, "stream until close");
}

TEST(HttpResponseParser, TruncatedBodyIsAnError) {
  HttpResponseParser p;
  std::string body;
  ASSERT_TRUE(p.feed("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", body).ok());
  EXPECT_FALSE(p.finish_eof().ok());
  HttpResponseParser q;
  EXPECT_FALSE(q.finish_eof().ok());  // nothing at all
}

TEST(HttpResponseParser, InterimResponsesAreSkipped) {
  HttpResponseParser p;
  std::string body = feed_all(
      p, "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok", 4);
  EXPECT_EQ(p.status(), 201);
  EXPECT_EQ(body, "ok");
}

TEST(HttpResponseParser, ConnectionCloseAndHttp10) {
  HttpResponseParser p;
  std::string body;
  ASSERT_TRUE(
      p.feed("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n", body).ok());
  EXPECT_TRUE(p.complete());
  EXPECT_FALSE(p.keep_alive());
  HttpResponseParser q;
  ASSERT_TRUE(q.feed("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", body).ok());
  EXPECT_FALSE(q.keep_alive());
}

TEST(HttpResponseParser, ConnectResponseHasNoBody) {
  HttpResponseParser p;
  p.expect_connect_response();
  std::string body;
  auto used = p.feed("HTTP/1.1 200 Connection established\r\n\r\n", body);
  ASSERT_TRUE(used.ok());
  EXPECT_TRUE(p.complete());
  EXPECT_EQ(p.status(), 200);
}

TEST(HttpResponseParser, Malformed) {
  std::string body;
  EXPECT_FALSE(HttpResponseParser().feed("SSH-2.0-OpenSSH\r\n\r\n", body).ok());
  EXPECT_FALSE(HttpResponseParser().feed("HTTP/1.1 abc OK\r\n\r\n", body).ok());
  HttpResponseParser p;
  EXPECT_FALSE(p.feed("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", body).ok());
  HttpResponseParser q;
  EXPECT_FALSE(q.feed("HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n", body).ok());
}

TEST(HttpResponseParser, StopsAtTheEndOfTheResponse) {
  HttpResponseParser p;
  std::string body;
  auto used = p.feed("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA", body);
  ASSERT_TRUE(used.ok());
  EXPECT_EQ(*used, std::string("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok").size());
  EXPECT_EQ(body, "ok");
}

}  // namespace
}  // namespace ccproxy::worker
