#include "worker/http/session_registry.h"

#include <algorithm>
#include <vector>

#include "worker/http/session.h"

namespace ccproxy::worker {

void SessionRegistry::remove(Session* s) {
  sessions_.erase(s);
  if (sessions_.empty() && on_empty) {
    on_empty();
  }
}

void SessionRegistry::close_idle(bool keep_fresh) {
  for (Session* s : std::set<Session*>(sessions_)) {
    // A request that has arrived but is not read yet (the session's wakeup is still queued
    // behind this) is not idleness: closing would drop a request its client has sent.
    if (s->idle() && !(keep_fresh && s->fresh()) && !s->has_unread_bytes()) {
      s->close();
    }
  }
}

void SessionRegistry::make_room(std::size_t heads) {
  close_idle();
  std::vector<Session*> unfinished;
  for (Session* s : sessions_) {
    if (s->reading_head()) {
      unfinished.push_back(s);
    }
  }
  heads = std::min(heads, unfinished.size());
  std::partial_sort(
      unfinished.begin(), unfinished.begin() + static_cast<std::ptrdiff_t>(heads), unfinished.end(),
      [](const Session* a, const Session* b) { return a->head_started() < b->head_started(); });
  for (std::size_t i = 0; i < heads; ++i) {
    unfinished[i]->close();
  }
}

void SessionRegistry::close_all() {
  for (Session* s : std::set<Session*>(sessions_)) {
    s->close();
  }
}

void SessionRegistry::set_under_pressure(bool pressed) {
  const bool began = pressed && !under_pressure_;
  under_pressure_ = pressed;
  if (began) {
    for (Session* s : sessions_) {
      s->hurry_head();
    }
  }
}

}  // namespace ccproxy::worker
