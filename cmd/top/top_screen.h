#pragma once
// One frame of `ccproxy top` as text: a title line, the table (one row per worker, the
// selected one in reverse video), and a footer with keys and the last message; or, in the log
// view, the selected worker's last log lines. Pure: tests render frames without a terminal.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ccproxy::cmd::top {

struct TopRow {
  std::string name;
  std::uint16_t port = 0;
  int pid = 0;
  std::string state;   // "running", "fatal" ...
  std::string uptime;  // "2h03m", "-"
  std::string health;  // "ok 1ms", "refused"
  bool healthy = false;
  std::optional<double> requests_per_s;
  std::optional<double> open_streams;
  std::optional<double> p50_s, p99_s;
  std::optional<double> tokens_per_min;
  std::optional<double> failed;          // failed requests in the last minute
  std::optional<std::string> upstreams;  // from /health "upstreams", when it has them
};

struct TopFrame {
  std::string title;  // "ccproxy top  /srv/ccproxy  supervisor 4242  12:03:04"
  std::vector<TopRow> rows;
  std::size_t selected = 0;
  std::string message;  // the footer's last message ("restart of glm requested")
  bool colour = false;
  bool log_view = false;
  std::vector<std::string> log_lines;  // the selected worker's log, oldest first
};

/// "12ms", "1.5s", "-".
std::string format_seconds(std::optional<double> seconds);
/// "3.2", "120", "-".
std::string format_rate(std::optional<double> value);

/// The frame for a width x height terminal: every line cut to `width` columns, at most
/// `height` lines, each ending with "erase to end of line", the screen below erased.
std::string render_frame(const TopFrame& frame, int width, int height);

/// `text` with control characters shown as '?' and cut to `width` columns (UTF-8 aware).
std::string fit(std::string_view text, int width);

}  // namespace ccproxy::cmd::top
