// ccproxy top: a full-screen live view of the fleet for a terminal, refreshed every second.
// `status` is the interface for scripts; without a terminal top refuses and says so.

#include <ctime>
#include <iostream>

#include "cmd/args.h"
#include "cmd/command.h"
#include "cmd/top/fleet_sampler.h"
#include "cmd/top/terminal.h"
#include "cmd/top/top_screen.h"
#include "logging/tail_reader.h"
#include "supervisor/control/supervisor_client.h"
#include "supervisor/status_table.h"

namespace ccproxy::cmd {
namespace {

namespace sv = ccproxy::supervisor;
using Clock = std::chrono::steady_clock;

class TopSession {
 public:
  TopSession(const config::Home& home, top::Terminal& term)
      : home_(home), term_(term), sampler_(home) {
    frame_.colour = sv::want_colour(1);
  }

  int run() {
    auto next = Clock::now();
    bool full = true;
    while (!term_.stop_requested() && !quit_) {
      if (Clock::now() >= next) {
        refresh();
        next = Clock::now() + std::chrono::seconds(1);
        draw(full);
        full = false;
      }
      auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(next - Clock::now());
      auto keys = term_.read_keys(std::max(wait, std::chrono::milliseconds(1)));
      for (top::Key k : keys) {
        handle(k);
      }
      bool redraw = term_.take_redraw();
      if ((!keys.empty() || redraw) && !term_.stop_requested() && !quit_) {
        draw(redraw);
      }
    }
    return kExitOk;
  }

 private:
  void refresh() {
    top::FleetSample s = sampler_.sample();
    std::string selected_name = selected_name_or_empty();
    frame_.rows = std::move(s.rows);
    frame_.selected = 0;
    for (std::size_t i = 0; i < frame_.rows.size(); ++i) {
      if (frame_.rows[i].name == selected_name) {
        frame_.selected = i;
      }
    }
    char clock[16] = "";
    std::time_t t = std::time(nullptr);
    struct tm local {};
    if (::localtime_r(&t, &local) != nullptr) {
      std::strftime(clock, sizeof clock, "%H:%M:%S", &local);
    }
    frame_.title = "ccproxy top  " + home_.root.string() + "  " +
                   (s.supervisor_running ? "supervisor pid " + std::to_string(s.supervisor_pid)
                                         : std::string("no supervisor")) +
                   "  " + std::to_string(frame_.rows.size()) + " workers  " + clock;
    if (!s.problems.empty() && frame_.message.empty()) {
      frame_.message = "profile problems (see `ccproxy check`): " + s.problems.front();
    }
    if (frame_.log_view) {
      load_log();
    }
  }

  std::string selected_name_or_empty() const {
    return frame_.selected < frame_.rows.size() ? frame_.rows[frame_.selected].name : "";
  }

  void load_log() {
    frame_.log_lines.clear();
    std::string name = selected_name_or_empty();
    if (name.empty()) {
      return;
    }
    auto [width, height] = term_.size();
    auto path = home_.logs_dir() / (name + ".log");
    auto lines = logging::last_lines(path, static_cast<std::size_t>(std::max(height, 1)));
    if (lines) {
      frame_.log_lines = std::move(lines).value();
    } else {
      frame_.log_lines = {"cannot read " + path.string() + ": " + lines.error()};
    }
  }

  void draw(bool full) {
    auto [width, height] = term_.size();
    std::string out = full ? "\x1b[2J" : "";
    out += top::render_frame(frame_, width, height);
    term_.write(out);
  }

  void handle(top::Key key) {
    if (!pending_restart_.empty()) {
      std::string name = std::move(pending_restart_);
      pending_restart_.clear();
      if (key == top::Key::yes) {
        restart(name);
      } else {
        frame_.message = "restart of " + name + " cancelled";
      }
      return;
    }
    std::size_t count = frame_.rows.size();
    switch (key) {
      case top::Key::quit:
        quit_ = true;
        break;
      case top::Key::up:
        frame_.selected = frame_.selected > 0 ? frame_.selected - 1 : 0;
        break;
      case top::Key::down:
        frame_.selected =
            count > 0 && frame_.selected + 1 < count ? frame_.selected + 1 : frame_.selected;
        break;
      case top::Key::page_up:
      case top::Key::home:
        frame_.selected = 0;
        break;
      case top::Key::page_down:
      case top::Key::end:
        frame_.selected = count > 0 ? count - 1 : 0;
        break;
      case top::Key::log:
        frame_.log_view = !frame_.log_view;
        if (frame_.log_view) {
          load_log();
        }
        break;
      case top::Key::escape:
        frame_.log_view = false;
        break;
      case top::Key::restart:
        if (count > 0) {
          pending_restart_ = selected_name_or_empty();
          frame_.message = "restart " + pending_restart_ + "? y: yes, any other key: no";
        }
        break;
      case top::Key::yes:
      case top::Key::other:
        break;
    }
    if ((key == top::Key::up || key == top::Key::down) && frame_.log_view) {
      load_log();
    }
  }

  void restart(const std::string& name) {
    if (!sv::supervisor_running(home_)) {
      frame_.message = "no supervisor runs for this home; `ccproxy start` starts one";
      return;
    }
    auto reply = sv::SupervisorClient(home_).restart({name}, std::chrono::milliseconds(1500));
    frame_.message = reply ? "restarting " + name +
                                 " (its new process is ready when it shows "
                                 "running again)"
                           : "restart of " + name + " failed: " + reply.error().message;
  }

  config::Home home_;
  top::Terminal& term_;
  top::FleetSampler sampler_;
  top::TopFrame frame_;
  std::string pending_restart_;
  bool quit_ = false;
};

int run(const Invocation& inv) {
  ArgParser parser;
  if (auto err = parser.parse(inv.args)) {
    return usage_error(kTopCommand, *err);
  }
  if (!top::Terminal::available()) {
    std::cerr << "ccproxy top: needs a terminal (stdin and stdout); for scripts use `ccproxy "
                 "status` or `ccproxy status --json`\n";
    return kExitFailure;
  }
  top::Terminal term;
  if (auto r = term.enter(); !r) {
    std::cerr << "ccproxy top: " << r.error() << "\n";
    return kExitFailure;
  }
  int rc = TopSession(inv.home, term).run();
  term.leave();
  return rc;
}

}  // namespace

const Command kTopCommand{
    "top", "top", "a live full-screen view of the fleet (a terminal's pm2 monit)",
    "One row per worker, refreshed every second: NAME PORT PID STATE UPTIME HEALTH, REQ/S\n"
    "(last 10 s), STREAMS (open now), P50 and P99 latency, TOK/MIN and ERR/MIN (last\n"
    "minute, from each worker's /metrics), and UPSTREAMS when the workers report them. Each\n"
    "worker gets one /health and one /metrics request per second.\n\n"
    "keys:\n"
    "  q            quit (Ctrl-C too; the terminal is restored)\n"
    "  up/down, k/j select a worker\n"
    "  r            restart the selected worker through the supervisor (asks first)\n"
    "  l            show the selected worker's last log lines (l or Esc: back)\n\n"
    "Needs a terminal; exits 1 otherwise. For scripts use `ccproxy status --json`.\n",
    run};

}  // namespace ccproxy::cmd
