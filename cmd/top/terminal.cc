#include "cmd/top/terminal.h"

#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>

namespace ccproxy::cmd::top {
namespace {

constexpr std::string_view kEnterSequence = "\x1b[?1049h\x1b[?25l\x1b[H\x1b[2J";

// Shared with the signal handlers: only async-signal-safe calls touch them there.
struct termios g_saved {};
volatile std::sig_atomic_t g_active = 0;
volatile std::sig_atomic_t g_stop = 0;
volatile std::sig_atomic_t g_redraw = 0;
volatile std::sig_atomic_t g_resumed = 0;

void write_all(int fd, std::string_view text) {
  const char* p = text.data();
  std::size_t left = text.size();
  while (left > 0) {
    ssize_t n = ::write(fd, p, left);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      return;
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
}

// The terminal as it was; safe in a signal handler.
void restore_terminal() {
  if (g_active != 0) {
    write_all(STDOUT_FILENO, kLeaveSequence);
    ::tcsetattr(STDIN_FILENO, TCSANOW, &g_saved);
    g_active = 0;
  }
}

bool enter_raw_mode() {
  struct termios raw = g_saved;
  raw.c_lflag &= ~static_cast<tcflag_t>(ICANON | ECHO | IEXTEN);  // ISIG stays: Ctrl-C works
  raw.c_iflag &= ~static_cast<tcflag_t>(IXON | ICRNL);
  raw.c_cc[VMIN] = 1;
  raw.c_cc[VTIME] = 0;
  if (::tcsetattr(STDIN_FILENO, TCSANOW, &raw) != 0) {
    return false;
  }
  g_active = 1;
  write_all(STDOUT_FILENO, kEnterSequence);
  return true;
}

void on_stop(int) {
  g_stop = 1;
}

void on_winch(int) {
  g_redraw = 1;
}

// Ctrl-Z: give the terminal back before stopping; SIGCONT brings us back (on_cont).
void on_tstp(int) {
  int saved_errno = errno;
  restore_terminal();
  ::signal(SIGTSTP, SIG_DFL);
  ::raise(SIGTSTP);  // delivered once this handler returns
  errno = saved_errno;
}

void on_cont(int) {
  g_resumed = 1;
  g_redraw = 1;
}

void handle(int sig, void (*handler)(int)) {
  struct sigaction sa {};
  sa.sa_handler = handler;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: poll() returns at once
  ::sigaction(sig, &sa, nullptr);
}

}  // namespace

std::vector<Key> decode_keys(std::string_view bytes) {
  std::vector<Key> keys;
  std::size_t i = 0;
  while (i < bytes.size()) {
    char c = bytes[i];
    if (c == '\x1b') {
      if (i + 2 < bytes.size() + 0 && (bytes[i + 1] == '[' || bytes[i + 1] == 'O')) {
        char f = bytes[i + 2];
        std::size_t len = 3;
        Key k = Key::other;
        switch (f) {
          case 'A':
            k = Key::up;
            break;
          case 'B':
            k = Key::down;
            break;
          case 'H':
            k = Key::home;
            break;
          case 'F':
            k = Key::end;
            break;
          case '5':
          case '6':
            if (i + 3 < bytes.size() && bytes[i + 3] == '~') {
              k = f == '5' ? Key::page_up : Key::page_down;
              len = 4;
            }
            break;
          default:
            // Some other sequence: skip to its final byte.
            while (i + len - 1 < bytes.size() &&
                   !(bytes[i + len - 1] >= '@' && bytes[i + len - 1] <= '~')) {
              ++len;
            }
            break;
        }
        keys.push_back(k);
        i += len;
        continue;
      }
      keys.push_back(Key::escape);
      ++i;
      continue;
    }
    switch (c) {
      case 'q':
      case 'Q':
        keys.push_back(Key::quit);
        break;
      case 'k':
        keys.push_back(Key::up);
        break;
      case 'j':
        keys.push_back(Key::down);
        break;
      case 'r':
      case 'R':
        keys.push_back(Key::restart);
        break;
      case 'l':
      case 'L':
        keys.push_back(Key::log);
        break;
      case 'y':
      case 'Y':
        keys.push_back(Key::yes);
        break;
      default:
        keys.push_back(Key::other);
        break;
    }
    ++i;
  }
  return keys;
}

bool Terminal::available() {
  return ::isatty(STDIN_FILENO) == 1 && ::isatty(STDOUT_FILENO) == 1;
}

Result<void> Terminal::enter() {
  if (::tcgetattr(STDIN_FILENO, &g_saved) != 0) {
    return fail(std::string("cannot read the terminal's settings: ") + std::strerror(errno));
  }
  handle(SIGINT, on_stop);
  handle(SIGTERM, on_stop);
  handle(SIGHUP, on_stop);
  handle(SIGWINCH, on_winch);
  handle(SIGTSTP, on_tstp);
  handle(SIGCONT, on_cont);
  ::signal(SIGPIPE, SIG_IGN);
  if (!enter_raw_mode()) {
    return fail(std::string("cannot set up the terminal: ") + std::strerror(errno));
  }
  active_ = true;
  return {};
}

void Terminal::leave() {
  if (!active_) {
    return;
  }
  restore_terminal();
  active_ = false;
}

std::pair<int, int> Terminal::size() const {
  struct winsize ws {};
  if (::ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0 && ws.ws_row > 0) {
    return {ws.ws_col, ws.ws_row};
  }
  return {80, 24};
}

std::vector<Key> Terminal::read_keys(std::chrono::milliseconds timeout) {
  if (g_resumed != 0) {  // back from Ctrl-Z: raw mode and the alternate screen again
    g_resumed = 0;
    handle(SIGTSTP, on_tstp);
    if (g_active == 0) {
      enter_raw_mode();
    }
  }
  pollfd fd{STDIN_FILENO, POLLIN, 0};
  int n = ::poll(&fd, 1, static_cast<int>(timeout.count()));
  if (n <= 0 || (fd.revents & POLLIN) == 0) {
    if (n > 0 && (fd.revents & (POLLHUP | POLLERR)) != 0) {
      g_stop = 1;  // the terminal is gone
    }
    return {};
  }
  char buf[64];
  ssize_t got = ::read(STDIN_FILENO, buf, sizeof buf);
  if (got <= 0) {
    if (got == 0) {
      g_stop = 1;
    }
    return {};
  }
  return decode_keys(std::string_view(buf, static_cast<std::size_t>(got)));
}

bool Terminal::stop_requested() const {
  return g_stop != 0;
}

bool Terminal::take_redraw() {
  if (g_redraw == 0) {
    return false;
  }
  g_redraw = 0;
  return true;
}

void Terminal::write(std::string_view text) const {
  if (g_active != 0) {
    write_all(STDOUT_FILENO, text);
  }
}

}  // namespace ccproxy::cmd::top
