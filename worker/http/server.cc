#include "worker/http/server.h"

#include <malloc.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <unistd.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <random>

#include "common/secret.h"
#include "worker/health.h"
#include "worker/http/listener.h"
#include "worker/http/session.h"
#include "worker/upstream/proxy_settings.h"
#include "worker/upstream/url.h"

namespace ccproxy::worker {
namespace {

constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t kMaxConnections = 1024;
// More than this many open connections: unfinished request heads get the short deadline.
constexpr std::size_t kPressureConnections = kMaxConnections / 4 * 3;
// Unfinished heads closed (oldest first) for each connection accepted past kMaxConnections.
constexpr std::size_t kHeadsClosedPerAccept = 4;
constexpr auto kPoolSweepInterval = std::chrono::seconds(5);
// Handing the port over: how long the outgoing worker keeps its listener once new connections
// go to its successor, so that the handshakes it had begun (a round trip) land in its queue.
constexpr auto kHandshakeWait = std::chrono::milliseconds(500);
// Then: how long a connection it accepted gets to send its first request.
constexpr auto kFirstRequestWait = std::chrono::seconds(2);

// Returns the heap's free pages to the system (malloc_trim) and says so at debug level. Freed
// heap memory is kept while requests come (see the mallopt settings in run_worker); this runs
// at quiet moments only, never on the request path.
void trim_heap(spdlog::logger& log, const char* when) {
  const auto t0 = std::chrono::steady_clock::now();
  ::malloc_trim(0);
  const auto us =
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0)
          .count();
  log.debug("{}: heap trimmed in {} us", when, us);
}

double uniform_random() {
  static thread_local std::mt19937_64 engine{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.0, 1.0)(engine);
}

/// The keys of `u` as they may be shown: "sk-…abcd, sk-…wxyz" (or "none").
std::string redacted_keys(const UpstreamConfig& u) {
  std::string out;
  for (const auto& k : u.api_keys) {
    out += out.empty() ? "" : ", ";
    out += redact_secret(k);
  }
  return out.empty() ? "none" : out;
}

/// The client of one upstream: its URL and proxy resolved (a bad one is logged).
std::unique_ptr<UpstreamClient> make_client(const UpstreamConfig& u, spdlog::logger& log) {
  auto endpoint = parse_upstream(u.base_url, u.format);
  if (!endpoint) {
    log.error("upstream {}: {}", u.name, endpoint.error());
    return nullptr;
  }
  auto proxy = choose_proxy(u.proxy, endpoint->tls, endpoint->host, endpoint->port,
                            [](const char* name) { return std::getenv(name); });
  if (!proxy) {
    log.error("upstream {}: {}", u.name, proxy.error());
    return nullptr;
  }
  return std::make_unique<UpstreamClient>(u, *endpoint, *proxy);
}

class Server {
 public:
  Server(asio::io_context& io, WorkerContext& ctx)
      : io_(io),
        ctx_(ctx),
        acceptor_(io),
        signals_(io, SIGINT, SIGTERM),
        handover_signal_(io, SIGUSR2),
        grace_timer_(io),
        handover_timer_(io),
        pool_sweep_(io) {}

  /// Binds and listens (beside the outgoing worker when `successor`); false (logged) when that
  /// is impossible.
  bool listen(bool successor) {
    auto fd = open_listener(ctx_.config.host, ctx_.config.port, successor);
    if (!fd) {
      ctx_.log->error("{}", fd.error());
      return false;
    }
    error_code ec;
    auto address = asio::ip::make_address(ctx_.config.host, ec);
    acceptor_.assign(address.is_v6() ? tcp::v6() : tcp::v4(), *fd, ec);
    if (ec) {
      ::close(*fd);
      ctx_.log->error("cannot listen on {}:{}: {}", ctx_.config.host, ctx_.config.port,
                      ec.message());
      return false;
    }
    ctx_.port = acceptor_.local_endpoint().port();
    return true;
  }

  void start() {
    asio::co_spawn(io_, accept_loop(), asio::detached);
    schedule_pool_sweep();
    signals_.async_wait([this](const error_code& ec, int signo) {
      if (!ec) {
        on_signal(signo);
      }
    });
    handover_signal_.async_wait([this](const error_code& ec, int) {
      if (!ec) {
        hand_over();
      }
    });
  }

 private:
  // Idle upstream connections are checked every few seconds: closed by the server, or unused
  // longer than the pool keeps them, they are closed and their memory freed.
  void schedule_pool_sweep() {
    pool_sweep_.expires_after(kPoolSweepInterval);
    pool_sweep_.async_wait([this](const error_code& ec) {
      if (ec || ctx_.shutting_down) {
        return;
      }
      const std::size_t pooled = ctx_.idle_connections();
      ctx_.sweep_connections();
      if (ctx_.idle_connections() < pooled) {
        trimmed_ = false;  // the connections closed freed their buffers and TLS state
      }
      trim_heap_when_idle();
      schedule_pool_sweep();
    });
  }

  // Quiet since the last sweep (no API request taken, none in flight; probes do not count):
  // return the heap's free memory, once per quiet spell.
  void trim_heap_when_idle() {
    const uint64_t seen = ctx_.api_requests;
    if (seen != requests_at_last_sweep_ || ctx_.metrics.in_flight() > 0) {
      requests_at_last_sweep_ = seen;
      trimmed_ = false;
      return;
    }
    if (!trimmed_) {
      trim_heap(*ctx_.log, "idle");
      trimmed_ = true;
    }
  }

  asio::awaitable<void> accept_loop() {
    co_await asio::this_coro::throw_if_cancelled(false);
    while (acceptor_.is_open()) {
      auto [ec, socket] = co_await acceptor_.async_accept(kNoThrow);
      // A connection accepted just before the listener closed is still served.
      if (ec == asio::error::operation_aborted || (ec && !acceptor_.is_open())) {
        break;
      }
      if (ec) {
        // EMFILE and friends: free what idle connections and unfinished heads hold, and back
        // off a little instead of spinning.
        ctx_.log->warn("accept failed: {}", ec.message());
        registry_.make_room(kHeadsClosedPerAccept);
        asio::steady_timer pause(io_, std::chrono::milliseconds(100));
        co_await pause.async_wait(kNoThrow);
        continue;
      }
      if (open_sessions_ >= kMaxConnections) {
        // Full. Connections with no request in progress (connected and silent, or kept alive
        // between requests) are closed to make room, and so are the oldest of those still
        // sending a request head; clients reconnect. Without this, a flood of silent
        // connections locked real clients and /health out for the 2-minute keep-alive idle
        // time (tests/faults test_2000_connections_at_once), and a flood of half-sent heads
        // for the 30-second header deadline (test_unfinished_heads_past_the_connection_limit).
        // The new connection is taken while the closed ones wind down; only when nearly
        // everything is busy with requests is it refused.
        registry_.make_room(kHeadsClosedPerAccept);
        if (open_sessions_ >= kMaxConnections + kMaxConnections / 4) {
          error_code ignored;
          socket.close(ignored);
          continue;
        }
      }
      asio::co_spawn(io_, serve(std::move(socket)), asio::detached);
    }
  }

  asio::awaitable<void> serve(tcp::socket socket) {
    ++open_sessions_;
    registry_.set_under_pressure(open_sessions_ > kPressureConnections);
    {
      Session session(ctx_, registry_, std::move(socket));
      co_await session.run();
    }
    --open_sessions_;
    registry_.set_under_pressure(open_sessions_ > kPressureConnections);
  }

  void on_signal(int signo) {
    if (ctx_.shutting_down) {
      // A second signal: no more grace.
      ctx_.log->warn("signal {} again: closing all connections now", signo);
      registry_.close_all();
      return;
    }
    ctx_.log->info("signal {}: stopping; open requests get {} ms to finish", signo,
                   ctx_.config.shutdown_grace.count());
    error_code ignored;
    acceptor_.close(ignored);
    begin_shutdown(false);
  }

  // SIGUSR2: a successor listens on the same port and is ready. New connections are steered to
  // it; the handshakes this worker had begun complete in the meantime; what its accept queue
  // holds then is accepted and served; only then is the listener closed (closing it earlier
  // would reset the queued connections). Then the usual drain: open requests and streams get
  // shutdown_grace to finish.
  void hand_over() {
    if (ctx_.shutting_down) {
      return;
    }
    ctx_.shutting_down = true;  // answers from now on close their connection
    if (steer_to_successor(acceptor_.native_handle())) {
      ctx_.log->info("handing port {} over: new connections go to the new worker", ctx_.port);
    } else {
      ctx_.log->warn("handing port {} over: cannot steer new connections ({}); draining anyway",
                     ctx_.port, std::strerror(errno));
    }
    handover_timer_.expires_after(kHandshakeWait);
    handover_timer_.async_wait([this](const error_code& ec) {
      if (ec) {
        return;
      }
      const std::size_t taken = accept_queued();
      error_code ignored;
      acceptor_.close(ignored);
      ctx_.log->info("listener closed ({} queued connections taken); open requests get {} ms",
                     taken, ctx_.config.shutdown_grace.count());
      begin_shutdown(true);
    });
  }

  // Accepts every connection waiting in the listener's queue; how many.
  std::size_t accept_queued() {
    error_code ec;
    acceptor_.non_blocking(true, ec);
    std::size_t taken = 0;
    while (!ec) {
      tcp::socket socket(io_);
      acceptor_.accept(socket, ec);
      if (!ec) {
        ++taken;
        asio::co_spawn(io_, serve(std::move(socket)), asio::detached);
      }
    }
    return taken;
  }

  // The listener is closed: idle connections close (after a handover, `keep_fresh`, those that
  // have not sent their first request yet only after a short wait), open ones get the grace
  // period.
  void begin_shutdown(bool keep_fresh) {
    ctx_.shutting_down = true;
    pool_sweep_.cancel();
    ctx_.close_idle_connections();
    registry_.close_idle(keep_fresh);
    registry_.on_empty = [this] { finish(); };
    if (registry_.empty()) {
      finish();
      return;
    }
    if (!keep_fresh) {
      // on_signal() took the wait armed by start(): a second signal ends the grace.
      signals_.async_wait([this](const error_code& ec, int signo2) {
        if (!ec) {
          on_signal(signo2);
        }
      });
    } else {
      handover_timer_.expires_after(kFirstRequestWait);
      handover_timer_.async_wait([this](const error_code& ec) {
        if (!ec) {
          registry_.close_idle();
        }
      });
    }
    grace_timer_.expires_after(ctx_.config.shutdown_grace);
    grace_timer_.async_wait([this](const error_code& ec) {
      if (!ec) {
        ctx_.log->warn("grace period over: closing the remaining connections");
        registry_.close_all();
      }
    });
  }

  void finish() {
    error_code ignored;
    grace_timer_.cancel();
    handover_timer_.cancel();
    signals_.cancel(ignored);
    handover_signal_.cancel(ignored);
    ctx_.close_idle_connections();
  }

  asio::io_context& io_;
  WorkerContext& ctx_;
  tcp::acceptor acceptor_;
  asio::signal_set signals_;
  asio::signal_set handover_signal_;
  asio::steady_timer grace_timer_;
  asio::steady_timer handover_timer_;
  asio::steady_timer pool_sweep_;
  uint64_t requests_at_last_sweep_ = 0;
  bool trimmed_ = true;  // run_worker trims once before serving
  SessionRegistry registry_;
  std::size_t open_sessions_ = 0;
};

}  // namespace

int run_worker(const WorkerConfig& config, std::shared_ptr<spdlog::logger> log,
               const WorkerHooks& hooks) {
  // Writes to a vanished client must be an error code, not a fatal signal.
  ::signal(SIGPIPE, SIG_IGN);
  // Each stream holds two descriptors (client and upstream): the usual soft limit of 1,024
  // would stop a worker near 500 streams. Raise it to the hard limit.
  if (rlimit lim{}; ::getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
    const rlim_t before = lim.rlim_cur;
    lim.rlim_cur = lim.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &lim) != 0) {
      log->warn("open-file limit stays at {}: {}", before, std::strerror(errno));
    }
  }
  // Blocks of 128 KB+ go to mmap and back to the system when freed, instead of glibc's
  // dynamic threshold keeping them in the heap. Freed heap memory is kept while requests come
  // (giving it back after each 86 KB request and faulting it in again cost ~15% of the
  // throughput); the pool sweep gives it back once the worker has been idle for a while.
  ::mallopt(M_MMAP_THRESHOLD, 128 * 1024);
  ::mallopt(M_TRIM_THRESHOLD, 4 * 1024 * 1024);

  if (config.upstreams.empty()) {
    log->error("profile {} has no upstream", config.profile);
    return 1;
  }
  asio::io_context io(1);
  std::vector<std::unique_ptr<UpstreamClient>> upstreams;
  for (const UpstreamConfig& u : config.upstreams) {
    auto client = make_client(u, *log);
    if (!client) {
      return 1;
    }
    upstreams.push_back(std::move(client));
  }
  UpstreamPool pool(
      config.upstreams, config.balance, [] { return UpstreamPool::Clock::now(); }, uniform_random);
  WorkerContext ctx{config,   log, upstreams, pool, RetryDecider(config.retry, uniform_random),
                    Metrics{}};
  ctx.ledger = hooks.ledger;
  Server server(io, ctx);
  if (!server.listen(hooks.successor)) {
    return 1;
  }
  for (const auto& client : upstreams) {
    const UpstreamConfig& u = client->config();
    log->info("profile {} listening on {}:{} -> upstream {} {} ({}{}), keys {}", config.profile,
              config.host, ctx.port, u.name, display_url(u.base_url),
              u.format == UpstreamFormat::openai ? "openai" : "anthropic",
              client->proxy() ? ", via proxy " + client->proxy()->display : "", redacted_keys(u));
  }
  if (hooks.on_listening) {
    hooks.on_listening(config.host, ctx.port);
  }
  server.start();
  // Configuration loading is done: give its freed heap memory back before idling.
  trim_heap(*log, "started");
  io.run();
  log->info("profile {} stopped", config.profile);
  log->flush();
  return 0;
}

}  // namespace ccproxy::worker
