// SessionRegistry with real sessions on loopback sockets (not run: the registry alone decides).

#include "worker/http/session_registry.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "worker/http/session.h"

namespace ccproxy::worker {
namespace {

/// A worker's shared state with no upstream, enough to hold sessions.
struct Fixture {
  asio::io_context io;
  tcp::acceptor acceptor{io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)};
  WorkerConfig config;
  std::vector<std::unique_ptr<UpstreamClient>> upstreams;
  UpstreamPool pool{{}, {}, [] { return UpstreamPool::Clock::now(); }, [] { return 0.5; }};
  WorkerContext ctx{
      config,
      std::make_shared<spdlog::logger>("test", std::make_shared<spdlog::sinks::null_sink_mt>()),
      upstreams,
      pool,
      RetryDecider(config.retry, [] { return 0.5; }),
      Metrics{}};
  SessionRegistry registry;

  /// A connected pair: the client's end, and the worker's end as a Session.
  std::pair<tcp::socket, std::unique_ptr<Session>> connect() {
    tcp::socket client(io);
    client.connect(acceptor.local_endpoint());
    tcp::socket server = acceptor.accept();
    return {std::move(client), std::make_unique<Session>(ctx, registry, std::move(server))};
  }
};

/// True when the worker closed `client`'s connection (EOF or reset), false while it is open.
bool closed_by_worker(tcp::socket& client) {
  client.non_blocking(true);
  char byte = 0;
  error_code ec;
  client.read_some(asio::buffer(&byte, 1), ec);
  return ec && ec != asio::error::would_block;
}

TEST(SessionRegistry, MakingRoomKeepsAConnectionWhoseRequestArrivedUnread) {
  Fixture f;
  auto [silent_client, silent] = f.connect();
  auto [sending_client, sending] = f.connect();
  // Its request is in the worker's socket; the session has not read it (it does not run here,
  // as when its wakeup is still queued behind the accept that makes room).
  const std::string request = "GET /health HTTP/1.1\r\nHost: x\r\n\r\n";
  asio::write(sending_client, asio::buffer(request));
  for (int i = 0; i < 100 && !sending->has_unread_bytes(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ASSERT_TRUE(sending->has_unread_bytes());
  EXPECT_FALSE(silent->has_unread_bytes());

  f.registry.make_room(4);
  EXPECT_TRUE(closed_by_worker(silent_client));
  EXPECT_FALSE(closed_by_worker(sending_client));

  // At shutdown the same: an idle connection closes, one whose request came does not.
  auto [late_client, late] = f.connect();
  asio::write(late_client, asio::buffer(request));
  for (int i = 0; i < 100 && !late->has_unread_bytes(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  f.registry.close_idle();
  EXPECT_FALSE(closed_by_worker(late_client));
  EXPECT_FALSE(closed_by_worker(sending_client));
}

}  // namespace
}  // namespace ccproxy::worker
