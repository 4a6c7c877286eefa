#include "cmd/top/top_screen.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace ccproxy::cmd::top {
namespace {

constexpr const char* kReverse = "\x1b[7m";
constexpr const char* kBold = "\x1b[1m";
constexpr const char* kReset = "\x1b[0m";
constexpr const char* kEraseLine = "\x1b[K";

std::string state_colour(const TopRow& row) {
  if (row.state == "running" || row.state == "unmanaged") {
    return row.healthy ? "\x1b[32m" : "\x1b[33m";
  }
  if (row.state == "fatal" || row.state == "conflict") {
    return "\x1b[31m";
  }
  if (row.state == "stopped") {
    return "";
  }
  return "\x1b[33m";
}

struct Column {
  const char* title;
  std::size_t width;
  bool right;  // numbers align right
};

std::string pad(const std::string& text, std::size_t width, bool right) {
  std::string cut = fit(text, static_cast<int>(width));
  std::size_t shown = 0;
  for (unsigned char c : cut) {
    shown += (c & 0xC0) != 0x80;
  }
  std::string spaces(width > shown ? width - shown : 0, ' ');
  return right ? spaces + cut : cut + spaces;
}

std::vector<std::string> cells(const TopRow& r) {
  return {r.name,
          std::to_string(r.port),
          r.pid > 0 ? std::to_string(r.pid) : "-",
          r.state,
          r.uptime,
          r.health,
          format_rate(r.requests_per_s),
          r.open_streams ? format_rate(r.open_streams) : "-",
          format_seconds(r.p50_s),
          format_seconds(r.p99_s),
          format_rate(r.tokens_per_min),
          r.failed ? format_rate(r.failed) : "-",
          r.upstreams.value_or("-")};
}

std::vector<Column> columns(const TopFrame& frame) {
  std::size_t name_width = 4;
  for (const auto& r : frame.rows) {
    name_width = std::max(name_width, std::min<std::size_t>(r.name.size(), 24));
  }
  std::vector<Column> cols = {{"NAME", name_width, false},
                              {"PORT", 5, true},
                              {"PID", 7, true},
                              {"STATE", 9, false},
                              {"UPTIME", 7, true},
                              {"HEALTH", 9, false},
                              {"REQ/S", 7, true},
                              {"STREAMS", 7, true},
                              {"P50", 7, true},
                              {"P99", 7, true},
                              {"TOK/MIN", 8, true},
                              {"ERR/MIN", 7, true}};
  bool upstreams = std::any_of(frame.rows.begin(), frame.rows.end(),
                               [](const TopRow& r) { return r.upstreams.has_value(); });
  if (upstreams) {
    cols.push_back({"UPSTREAMS", 40, false});
  }
  return cols;
}

std::string table_line(const std::vector<Column>& cols, const std::vector<std::string>& values) {
  std::string line;
  for (std::size_t i = 0; i < cols.size(); ++i) {
    line += (i == 0 ? "" : "  ") + pad(values[i], cols[i].width, cols[i].right);
  }
  return line;
}

void add_line(std::string& out, int& used, int height, const std::string& text,
              const char* style = nullptr) {
  if (used >= height) {
    return;
  }
  out += "\x1b[" + std::to_string(used + 1) + ";1H";
  if (style != nullptr) {
    out += style;
  }
  out += text;
  if (style != nullptr) {
    out += kReset;
  }
  out += kEraseLine;
  ++used;
}

}  // namespace

std::string format_seconds(std::optional<double> seconds) {
  if (!seconds) {
    return "-";
  }
  char buf[32];
  if (*seconds < 1) {
    std::snprintf(buf, sizeof buf, "%.0fms", *seconds * 1000);
  } else if (*seconds < 100) {
    std::snprintf(buf, sizeof buf, "%.1fs", *seconds);
  } else {
    std::snprintf(buf, sizeof buf, "%.0fs", *seconds);
  }
  return buf;
}

std::string format_rate(std::optional<double> value) {
  if (!value) {
    return "-";
  }
  char buf[32];
  double v = std::max(0.0, *value);
  if (v == std::floor(v) || v >= 100) {
    std::snprintf(buf, sizeof buf, "%.0f", v);
  } else {
    std::snprintf(buf, sizeof buf, "%.1f", v);
  }
  return buf;
}

std::string fit(std::string_view text, int width) {
  std::string out;
  int shown = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    bool continuation = (c & 0xC0) == 0x80;
    if (!continuation) {
      if (shown >= width) {
        break;
      }
      ++shown;
    }
    out += (c < 0x20 || c == 0x7f) ? '?' : static_cast<char>(c);
  }
  return out;
}

std::string render_frame(const TopFrame& frame, int width, int height) {
  width = std::max(width, 10);
  height = std::max(height, 3);
  std::string out;
  int used = 0;
  add_line(out, used, height, fit(frame.title, width), frame.colour ? kBold : nullptr);
  const int footer_lines = 2;
  int body = height - 1 - footer_lines;
  if (frame.log_view) {
    std::string heading = frame.rows.empty() ? "log" : "log of " + frame.rows[frame.selected].name;
    add_line(out, used, height, fit(heading + " (l or Esc: back to the table)", width), kReverse);
    std::size_t room = body > 1 ? static_cast<std::size_t>(body - 1) : 0;
    std::size_t first = frame.log_lines.size() > room ? frame.log_lines.size() - room : 0;
    for (std::size_t i = first; i < frame.log_lines.size(); ++i) {
      add_line(out, used, height, fit(frame.log_lines[i], width));
    }
  } else {
    std::vector<Column> cols = columns(frame);
    std::vector<std::string> titles;
    for (const auto& c : cols) {
      titles.emplace_back(c.title);
    }
    add_line(out, used, height, fit(table_line(cols, titles), width),
             frame.colour ? kBold : nullptr);
    // Scroll so the selected row stays in view.
    std::size_t room = body > 1 ? static_cast<std::size_t>(body - 1) : 1;
    std::size_t first = frame.selected >= room ? frame.selected - room + 1 : 0;
    for (std::size_t i = first; i < frame.rows.size() && i < first + room; ++i) {
      const TopRow& r = frame.rows[i];
      std::vector<std::string> values = cells(r);
      values.resize(cols.size());
      std::string line = fit(table_line(cols, values), width);
      if (i == frame.selected) {
        add_line(out, used, height, line, kReverse);
      } else if (frame.colour) {
        std::string colour = state_colour(r);
        add_line(out, used, height, line, colour.empty() ? nullptr : colour.c_str());
      } else {
        add_line(out, used, height, line);
      }
    }
    if (frame.rows.empty()) {
      add_line(out, used, height, fit("no profiles in this home", width));
    }
  }
  // Clear what the last frame left between the body and the footer.
  for (int row = used + 1; row <= height - footer_lines; ++row) {
    out += "\x1b[" + std::to_string(row) + ";1H" + kEraseLine;
  }
  used = height - footer_lines;
  add_line(out, used, height, fit(frame.message, width));
  add_line(out, used, height,
           fit("q quit  \xe2\x86\x91\xe2\x86\x93 select  r restart  l log  (rates: 10 s; "
               "P50/P99, TOK/MIN, ERR/MIN: last minute)",
               width),
           kReverse);
  return out;
}

}  // namespace ccproxy::cmd::top
