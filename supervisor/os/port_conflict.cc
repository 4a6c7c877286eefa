#include "supervisor/os/port_conflict.h"

namespace ccproxy::supervisor {

PortVerdict classify_port(std::uint16_t port, std::optional<int> own_pid, const PortHolder& holder,
                          bool own_healthy, const std::string& holder_cmdline) {
  PortVerdict v;
  std::string p = "port " + std::to_string(port);
  if (own_pid) {
    v.pid = *own_pid;
    if (holder.listening && holder.pid == own_pid && own_healthy) {
      v.use = PortUse::own_healthy;
      v.message = p + " is served by our worker pid " + std::to_string(*own_pid);
    } else {
      v.use = PortUse::own_unhealthy;
      v.message = "our worker pid " + std::to_string(*own_pid) + " is running but not ready";
    }
    return v;
  }
  if (!holder.listening) {
    v.use = PortUse::free;
    return v;
  }
  if (holder.pid) {
    v.use = PortUse::foreign;
    v.pid = *holder.pid;
    v.message = p + " is held by pid " + std::to_string(*holder.pid);
    if (!holder_cmdline.empty()) {
      v.message += " (" + holder_cmdline + ")";
    }
    return v;
  }
  v.use = PortUse::foreign_hidden;
  v.message = p + " is held by a process this user cannot see";
  return v;
}

}  // namespace ccproxy::supervisor
