#pragma once
// The worker's listening socket and the port handover between two workers of one profile.
//
// Every worker listens with SO_REUSEPORT, so that its successor can bind the same port while it
// still serves. A worker that is not a successor first makes sure nobody listens on the port
// (a bind without SO_REUSEPORT), so a foreign listener is still "port in use".
//
// Handing over: the kernel spreads new connections over every listener of the port, and
// closing a listener resets the connections waiting in its accept queue. So the outgoing worker
// first steers every new connection of the port to its successor (a classic BPF program on the
// reuseport group that always picks the group's second socket: the successor, which joined
// last), keeps accepting while handshakes it had already begun complete, accepts what its
// queue still holds, and only then closes its listener.
//
// Plain POSIX descriptors: no Asio here.

#include <cstdint>
#include <string>

#include "common/result.h"

namespace ccproxy::worker {

/// A listening TCP socket on host:port (SO_REUSEADDR and SO_REUSEPORT, non-blocking, close on
/// exec). Unless `successor`, a port somebody already listens on is refused with "port N is
/// already in use". A successor removes the steering program its predecessor's handover left
/// on the group. Returns the descriptor.
Result<int> open_listener(const std::string& host, std::uint16_t port, bool successor);

/// Steers the new connections of the listener's reuseport group to the socket that joined it
/// second (the successor). False with errno set when the kernel refuses.
bool steer_to_successor(int listener_fd);

/// Whether anything listens on host:port other than through SO_REUSEPORT sharing: a bind
/// without SO_REUSEPORT fails with EADDRINUSE.
bool port_taken(const std::string& host, std::uint16_t port);

}  // namespace ccproxy::worker
