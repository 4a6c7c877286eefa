#include "worker/upstream/response_parser.h"

#include <gtest/gtest.h>

#include <cstdio>

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

TEST(HttpResponseParser, BareLfInAHeaderValueIsRefused) {
  // A value with a bare LF must not become a second header (header splitting).
  const std::string wire =
      "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 0\nX-Injected: yes\r\n"
      "Content-Length: 0\r\n\r\n";
  for (std::size_t step : {1u, 5u, 1000u}) {
    HttpResponseParser p;
    std::string body;
    bool refused = false;
    for (std::size_t i = 0; i < wire.size() && !refused; i += step) {
      refused = !p.feed(std::string_view(wire).substr(i, step), body).ok();
    }
    EXPECT_TRUE(refused) << "step " << step;
    EXPECT_TRUE(p.header("x-injected").empty());
  }
}

TEST(HttpResponseParser, MalformedHeadsAreRefused) {
  for (std::string_view wire : {
           "HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n",    // space in a name
           "HTTP/1.1 200 OK\r\n: no name\r\n\r\n",      // empty name
           "HTTP/1.1 200 OK\r\nX-Ctl: a\x01b\r\n\r\n",  // control byte in a value
           "HTTP/1.1 200 OK\r\nX-Cr: a\rb\r\n\r\n",     // bare CR in a value
           "HTTP/1.1 200 OK\nContent-Length: 0\n\n",    // LF-only line ends
           "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
           "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
           "HTTP/1.1 999 Nine\r\n\r\n",  // no such status
       }) {
    HttpResponseParser p;
    std::string body;
    EXPECT_FALSE(p.feed(wire, body).ok()) << wire;
  }
}

TEST(HttpResponseParser, HeadSizeLimit) {
  const std::string filler = "X-Filler: " + std::string(60 * 1024, 'a') + "\r\n";
  const std::string fits = "HTTP/1.1 200 OK\r\n" + filler + "Content-Length: 2\r\n\r\nok";
  for (std::size_t step : {1000u, 100000u}) {
    HttpResponseParser p;
    EXPECT_EQ(feed_all(p, fits, step), "ok");
    EXPECT_TRUE(p.complete());
    EXPECT_EQ(p.header("x-filler").size(), 60u * 1024);
  }
  const std::string too_large =
      "HTTP/1.1 200 OK\r\n" + filler + filler + "Content-Length: 2\r\n\r\nok";
  for (std::size_t step : {1000u, 100000u}) {
    HttpResponseParser p;
    std::string body;
    bool refused = false;
    for (std::size_t i = 0; i < too_large.size() && !refused; i += step) {
      refused = !p.feed(std::string_view(too_large).substr(i, step), body).ok();
    }
    EXPECT_TRUE(refused) << "step " << step;
  }
}

TEST(HttpResponseParser, HeadersInOrder) {
  HttpResponseParser p;
  std::string body;
  ASSERT_TRUE(
      p.feed("HTTP/1.1 200 OK\r\nA: 1\r\nB:  two \r\nContent-Length: 0\r\n\r\n", body).ok());
  ASSERT_EQ(p.headers().size(), 3u);
  EXPECT_EQ(p.headers()[0].first, "A");
  EXPECT_EQ(p.headers()[1].second, "two");
  EXPECT_EQ(p.header("b"), "two");
}

TEST(HttpResponseParser, TruncatedChunkIsAnError) {
  HttpResponseParser p;
  std::string body;
  ASSERT_TRUE(p.feed("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel", body).ok());
  EXPECT_EQ(body, "hel");
  EXPECT_FALSE(p.finish_eof().ok());
}

TEST(HttpResponseParser, ChunkedAcrossLargeAndSmallReads) {
  // Reads end anywhere: inside a chunk-size line, between a chunk and its CRLF, in large
  // and small pieces.
  std::string wire = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
  std::string expected;
  for (int i = 0; i < 6; ++i) {
    const std::string data(1000 + 1500 * i, static_cast<char>('a' + i));
    char size[16];
    std::snprintf(size, sizeof size, "%zx", data.size());
    wire += std::string(size) + "\r\n" + data + "\r\n";
    expected += data;
  }
  wire += "0\r\n\r\n";
  for (std::size_t step : {2u, 999u, 4097u, 6000u, 10000u}) {
    HttpResponseParser p;
    EXPECT_EQ(feed_all(p, wire, step), expected) << "step " << step;
    EXPECT_TRUE(p.complete());
  }
}

TEST(HttpResponseParser, OneEventPerRead) {
  // The shape of a live stream: each read is one chunk, its bytes are handed out at once.
  HttpResponseParser p;
  std::string body;
  ASSERT_TRUE(p.feed("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", body).ok());
  for (int i = 0; i < 3; ++i) {
    body.clear();
    ASSERT_TRUE(p.feed("d\r\ndata: event\n\n\r\n", body).ok());
    EXPECT_EQ(body, "data: event\n\n");
  }
  body.clear();
  auto used = p.feed("0\r\n\r\n", body);
  ASSERT_TRUE(used.ok());
  EXPECT_EQ(*used, 5u);
  EXPECT_TRUE(p.complete());
  EXPECT_TRUE(p.keep_alive());
}

}  // namespace
}  // namespace ccproxy::worker
