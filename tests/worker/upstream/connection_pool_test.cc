// The upstream keep-alive pool with real loopback sockets: what it hands out again, and what
// sweep() closes (connections the server closed, connections idle too long).

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <thread>

#include "worker/upstream/connection_pool.h"

namespace ccproxy::worker {
namespace {

using namespace std::chrono_literals;

struct Loopback {
  asio::io_context io;
  tcp::acceptor acceptor{io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)};

  // A connected pair: the client side wrapped as an upstream connection, and the server side.
  std::pair<std::unique_ptr<UpstreamConnection>, tcp::socket> connect() {
    tcp::socket client(io);
    client.connect(acceptor.local_endpoint());
    tcp::socket server = acceptor.accept();
    return {std::make_unique<UpstreamConnection>(std::move(client)), std::move(server)};
  }
};

// The peer's FIN reaches the socket a moment after close(): wait for it to be readable.
void wait_until_readable(UpstreamConnection& c) {
  for (int i = 0; i < 200; ++i) {
    char byte;
    if (::recv(c.socket().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT) >= 0) {
      return;
    }
    std::this_thread::sleep_for(5ms);
  }
}

TEST(ConnectionPool, HandsBackAnOpenConnection) {
  Loopback net;
  ConnectionPool pool(8, 30s);
  auto [conn, server] = net.connect();
  UpstreamConnection* raw = conn.get();
  pool.put("k", std::move(conn));
  EXPECT_EQ(pool.idle_count(), 1u);
  pool.sweep();
  EXPECT_EQ(pool.idle_count(), 1u);  // healthy and young: kept
  EXPECT_EQ(pool.take("other"), nullptr);
  auto again = pool.take("k");
  ASSERT_NE(again, nullptr);
  EXPECT_EQ(again.get(), raw);
  EXPECT_TRUE(again->reused);
  EXPECT_EQ(pool.idle_count(), 0u);
}

TEST(ConnectionPool, SweepClosesConnectionsTheServerClosed) {
  Loopback net;
  ConnectionPool pool(8, 30s);
  auto [gone, gone_server] = net.connect();
  auto [alive, alive_server] = net.connect();
  UpstreamConnection* gone_raw = gone.get();
  pool.put("k", std::move(gone));
  pool.put("k", std::move(alive));
  gone_server.close();
  wait_until_readable(*gone_raw);
  pool.sweep();
  EXPECT_EQ(pool.idle_count(), 1u);
  auto left = pool.take("k");
  ASSERT_NE(left, nullptr);
  EXPECT_TRUE(left->looks_reusable());
}

TEST(ConnectionPool, SweepClosesConnectionsIdleTooLong) {
  Loopback net;
  ConnectionPool pool(8, 20ms);
  auto [conn, server] = net.connect();
  pool.put("k", std::move(conn));
  pool.sweep();
  EXPECT_EQ(pool.idle_count(), 1u);
  std::this_thread::sleep_for(40ms);
  pool.sweep();
  EXPECT_EQ(pool.idle_count(), 0u);
  // The server sees the close: reading gives EOF.
  char byte;
  boost::system::error_code ec;
  server.read_some(asio::buffer(&byte, 1), ec);
  EXPECT_EQ(ec, asio::error::eof);
}

TEST(ConnectionPool, KeepsAtMostItsLimitPerHost) {
  Loopback net;
  ConnectionPool pool(2, 30s);
  std::vector<tcp::socket> servers;
  for (int i = 0; i < 3; ++i) {
    auto [conn, server] = net.connect();
    servers.push_back(std::move(server));
    pool.put("k", std::move(conn));
  }
  EXPECT_EQ(pool.idle_count(), 2u);
}

}  // namespace
}  // namespace ccproxy::worker
