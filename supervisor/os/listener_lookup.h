#pragma once
// Who LISTENS on a TCP port: the kernel's sock_diag dump of listening sockets (or, without
// netlink, /proc/net/tcp and tcp6 rows in state 0A) gives the socket inode; /proc/<pid>/fd
// links ("socket:[inode]") give its owner. Connected clients and accepted
// connections are other rows and are never considered.

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace ccproxy::supervisor {

struct PortHolder {
  bool listening = false;  // some socket listens on the port
  std::optional<int> pid;  // its owner, when visible to us
};

/// Inodes of the sockets listening on `port` in the text of /proc/net/tcp or /proc/net/tcp6.
std::vector<std::uint64_t> parse_listening_inodes(std::string_view proc_net_tcp,
                                                  std::uint16_t port);

class ListenerLookup {
 public:
  virtual ~ListenerLookup() = default;
  /// The listener of `port`. `hint` (a pid we expect) is checked first, which avoids a scan of
  /// every process in the common case.
  virtual PortHolder who_listens(std::uint16_t port, int hint = 0) = 0;
};

class ProcListenerLookup final : public ListenerLookup {
 public:
  PortHolder who_listens(std::uint16_t port, int hint = 0) override;
};

/// True when process `pid` has one of `inodes` open.
bool process_owns_socket(int pid, const std::vector<std::uint64_t>& inodes);

}  // namespace ccproxy::supervisor
