#pragma once
// Socket I/O helpers of the worker's event loop.
//
// One read buffer per thread, shared by every connection of the worker's event loop.
//
// A connection that waits (a stream that idles between chunks, a kept-alive client between
// requests) should not pin a buffer of its own: sockets are read only once they are readable,
// synchronously into this buffer, and the bytes are consumed (parsed, copied to where they
// belong) before the next suspension point. With 1,000 open streams that is 1,000 × 32 KB of
// buffers saved.

#include <cstddef>
#include <memory>
#include <span>

namespace ccproxy::worker {

/// Completion condition for asio::async_write: everything left in one send. (transfer_all
/// asks for at most 64 KB per send, so an 86 KB request took two system calls.)
struct TransferAllAtOnce {
  template <typename ErrorCode>
  std::size_t operator()(const ErrorCode& ec, std::size_t /*transferred*/) const {
    return ec ? 0 : std::size_t{1} << 30;
  }
};

inline std::span<char> shared_read_buffer() {
  constexpr std::size_t kSize = 64 * 1024;
  thread_local std::unique_ptr<char[]> buffer(new char[kSize]);
  return {buffer.get(), kSize};
}

}  // namespace ccproxy::worker
