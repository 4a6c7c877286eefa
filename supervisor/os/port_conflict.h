#pragma once
// Who is in the way of a profile's port, and what to do about it: our own worker (adopt it when
// healthy, replace it otherwise), nobody (start), or a foreign process (leave it alone unless the
// user asked for a takeover). Pure logic: the facts come from the pid file, the listener lookup
// and a health probe.

#include <cstdint>
#include <optional>
#include <string>

#include "supervisor/os/listener_lookup.h"

namespace ccproxy::supervisor {

enum class PortUse {
  free,            // nobody listens; nothing of ours runs
  own_healthy,     // our verified worker listens and answers /health: adopt it
  own_unhealthy,   // our verified worker runs but is not ready: replace it
  foreign,         // another process listens (pid known)
  foreign_hidden,  // something listens but its owner is not visible to us
};

struct PortVerdict {
  PortUse use = PortUse::free;
  int pid = 0;          // the process concerned, when known
  std::string message;  // for users: "port 8082 is held by pid 4242 (python3 start_proxy.py)"
};

/// own_pid: the pid of this profile's verified pid file (identity checked), if any.
/// holder_cmdline: the listener's command line for the message.
PortVerdict classify_port(std::uint16_t port, std::optional<int> own_pid, const PortHolder& holder,
                          bool own_healthy, const std::string& holder_cmdline);

}  // namespace ccproxy::supervisor
