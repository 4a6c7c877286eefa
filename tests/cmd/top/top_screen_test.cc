// Frames of ccproxy top, rendered without a terminal.

#include "cmd/top/top_screen.h"

#include <gtest/gtest.h>

namespace ccproxy::cmd::top {
namespace {

// The frame as plain lines: escape sequences removed, one entry per screen line.
std::vector<std::string> lines_of(const std::string& frame) {
  std::vector<std::string> lines;
  std::string current;
  bool started = false;
  for (std::size_t i = 0; i < frame.size(); ++i) {
    if (frame[i] == '\x1b') {
      std::size_t j = i + 2;
      while (j < frame.size() && !(frame[j] >= '@' && frame[j] <= '~')) {
        ++j;
      }
      if (frame[j] == 'H') {  // cursor to a new line
        if (started) {
          lines.push_back(current);
        }
        current.clear();
        started = true;
      }
      i = j;
      continue;
    }
    current += frame[i];
  }
  if (started) {
    lines.push_back(current);
  }
  return lines;
}

TopRow row(std::string name, std::uint16_t port) {
  TopRow r;
  r.name = std::move(name);
  r.port = port;
  r.pid = 4242;
  r.state = "running";
  r.uptime = "5m02s";
  r.health = "ok 1ms";
  r.healthy = true;
  r.requests_per_s = 2.5;
  r.open_streams = 3;
  r.p50_s = 0.012;
  r.p99_s = 1.5;
  r.tokens_per_min = 1200;
  return r;
}

TEST(TopScreen, OneRowPerWorkerWithItsFigures) {
  TopFrame f;
  f.title = "ccproxy top";
  f.rows = {row("kimi", 8081), row("glm", 8082)};
  auto lines = lines_of(render_frame(f, 120, 10));
  ASSERT_EQ(lines.size(), 10u);
  EXPECT_EQ(lines[0], "ccproxy top");
  EXPECT_NE(lines[1].find("NAME"), std::string::npos);
  EXPECT_NE(lines[1].find("P99"), std::string::npos);
  EXPECT_EQ(lines[1].find("UPSTREAMS"), std::string::npos);  // no worker reports them
  EXPECT_EQ(lines[2].rfind("kimi", 0), 0u);
  for (const char* cell :
       {"8081", "4242", "running", "5m02s", "ok 1ms", "2.5", "12ms", "1.5s", "1200"}) {
    EXPECT_NE(lines[2].find(cell), std::string::npos) << cell;
  }
  EXPECT_EQ(lines[3].rfind("glm", 0), 0u);
  EXPECT_NE(lines[9].find("q quit"), std::string::npos);
}

TEST(TopScreen, UpstreamsColumnOnlyWhenSomeWorkerHasThem) {
  TopFrame f;
  f.rows = {row("kimi", 8081), row("glm", 8082)};
  f.rows[1].upstreams = "requesty ok 2/2";
  auto lines = lines_of(render_frame(f, 200, 8));
  EXPECT_NE(lines[1].find("UPSTREAMS"), std::string::npos);
  EXPECT_NE(lines[3].find("requesty ok 2/2"), std::string::npos);
}

TEST(TopScreen, SelectedRowIsReversedAndKeptInView) {
  TopFrame f;
  for (int i = 0; i < 20; ++i) {
    f.rows.push_back(row("w" + std::to_string(i), static_cast<std::uint16_t>(9000 + i)));
  }
  f.selected = 15;
  std::string text = render_frame(f, 100, 8);  // room for 4 rows
  auto lines = lines_of(text);
  ASSERT_EQ(lines.size(), 8u);
  EXPECT_EQ(lines[5].rfind("w15", 0), 0u);
  EXPECT_NE(text.find("\x1b[7mw15"), std::string::npos);
}

TEST(TopScreen, LinesAreCutToTheWidthAndControlCharactersShown) {
  TopFrame f;
  f.title = std::string(300, 'x');
  f.log_view = true;
  f.rows = {row("glm", 8082)};
  f.log_lines = {"a\x1b[31mred\ttab", "\xc3\xa9t\xc3\xa9"};
  auto lines = lines_of(render_frame(f, 40, 10));
  EXPECT_EQ(lines[0].size(), 40u);
  EXPECT_NE(lines[1].find("log of glm"), std::string::npos);
  EXPECT_EQ(lines[2], "a?[31mred?tab");
  EXPECT_EQ(lines[3], "\xc3\xa9t\xc3\xa9");
  EXPECT_EQ(fit("\xc3\xa9\xc3\xa9\xc3\xa9", 2), "\xc3\xa9\xc3\xa9");
}

TEST(TopScreen, Formats) {
  EXPECT_EQ(format_seconds(std::nullopt), "-");
  EXPECT_EQ(format_seconds(0.0123), "12ms");
  EXPECT_EQ(format_seconds(2.25), "2.2s");
  EXPECT_EQ(format_seconds(300), "300s");
  EXPECT_EQ(format_rate(0), "0");
  EXPECT_EQ(format_rate(0.25), "0.2");
  EXPECT_EQ(format_rate(1234.5), "1234");
}

}  // namespace
}  // namespace ccproxy::cmd::top
