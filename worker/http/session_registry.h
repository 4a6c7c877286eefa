#pragma once
// The open connections of a worker: a shutdown closes idle ones at once and the rest when the
// grace period ends; a full worker makes room by closing those that hold a place without a
// request in progress.

#include <cstddef>
#include <functional>
#include <set>

namespace ccproxy::worker {

class Session;

class SessionRegistry {
 public:
  void add(Session* s) { sessions_.insert(s); }
  void remove(Session* s);
  /// Closes the sessions waiting for a request (nothing in flight, nothing unread in their
  /// socket); with `keep_fresh`, not those that have not sent their first request yet.
  void close_idle(bool keep_fresh = false);
  /// Makes room for new connections: closes the sessions waiting for a request, then the
  /// `heads` oldest of those whose request head is unfinished (connected, sent part of a
  /// head, then slow or silent).
  void make_room(std::size_t heads);
  void close_all();
  bool empty() const { return sessions_.empty(); }
  /// Under pressure (most of the connection limit in use), unfinished heads get a short
  /// deadline: the heads read from then on, and those already being read.
  void set_under_pressure(bool pressed);
  bool under_pressure() const { return under_pressure_; }
  /// Called when the last session is gone.
  std::function<void()> on_empty;

 private:
  std::set<Session*> sessions_;
  bool under_pressure_ = false;
};

}  // namespace ccproxy::worker
