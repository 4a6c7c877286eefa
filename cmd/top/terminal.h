#pragma once
// The terminal of a full-screen view: raw input (no echo, no line buffering, signals kept so
// Ctrl-C still interrupts), the alternate screen with the cursor hidden, and the way back on
// exit, Ctrl-C, SIGTERM, SIGHUP and Ctrl-Z (restored before stopping, re-entered on SIGCONT).
// Plain ANSI/VT100 sequences and termios: every terminal emulator in use understands them.

#include <chrono>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace ccproxy::cmd::top {

enum class Key { up, down, page_up, page_down, home, end, quit, restart, log, yes, escape, other };

/// The keys in bytes read from the terminal: arrows in both cursor modes (ESC [ A, ESC O A),
/// j/k as down/up, q, r, l, y; a lone ESC is `escape`; anything else `other`.
std::vector<Key> decode_keys(std::string_view bytes);

/// What a terminal that leaves the view must receive: attributes reset, cursor shown, the
/// alternate screen left.
inline constexpr std::string_view kLeaveSequence = "\x1b[0m\x1b[?25h\x1b[?1049l";

class Terminal {
 public:
  /// stdin and stdout are both terminals.
  static bool available();

  Terminal() = default;
  Terminal(const Terminal&) = delete;
  Terminal& operator=(const Terminal&) = delete;
  ~Terminal() { leave(); }

  /// Raw mode, alternate screen, signal handlers. Once only.
  Result<void> enter();
  /// Back to the terminal as it was; idempotent.
  void leave();

  /// Columns and rows (80x24 when the terminal does not say).
  std::pair<int, int> size() const;

  /// Keys typed within `timeout`; returns early (maybe with none) on a signal.
  std::vector<Key> read_keys(std::chrono::milliseconds timeout);

  /// Ctrl-C, SIGTERM or SIGHUP arrived.
  bool stop_requested() const;
  /// The window changed size, or the view came back from Ctrl-Z: redraw all. Clears the flag.
  bool take_redraw();

  void write(std::string_view text) const;

 private:
  bool active_ = false;
};

}  // namespace ccproxy::cmd::top
