#pragma once
// The client side of one request, as the handlers see it: the Session implements it.

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <optional>
#include <string_view>

namespace ccproxy::worker {

/// How waiting for the client to leave ended.
enum class ClientEnd {
  cancelled,       // the wait was cancelled (the request finished): the client may be there
  input_finished,  // EOF: it closed, or it only shut its sending side and still reads
  gone,            // reset, or the connection was closed under the wait (shutdown)
};

class ClientChannel {
 public:
  virtual ~ClientChannel() = default;
  /// Writes all bytes; false when the client is gone.
  virtual boost::asio::awaitable<bool> write(std::string_view bytes) = 0;
  /// Completes when the client's connection ends its input (EOF), fails, or when cancelled.
  /// Bytes it sends meanwhile (a pipelined next request) are kept for later.
  virtual boost::asio::awaitable<ClientEnd> wait_for_disconnect() = 0;
  /// The client's EOF is already here, with nothing unread before it.
  virtual bool input_finished() = 0;
  /// When the first byte of the current request's answer was written (time to first byte).
  virtual std::optional<std::chrono::steady_clock::time_point> first_write() const {
    return std::nullopt;
  }
};

}  // namespace ccproxy::worker
