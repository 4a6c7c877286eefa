#include "supervisor/status_table.h"

#include <unistd.h>

#include <cstdlib>
#include <nlohmann/json.hpp>

namespace ccproxy::supervisor {

bool StatusRow::healthy() const {
  return (state == WorkerState::running || state == WorkerState::unmanaged) && health.healthy();
}

bool StatusReport::all_healthy() const {
  if (rows.empty()) {
    return false;
  }
  for (const auto& r : rows) {
    if (!r.healthy()) {
      return false;
    }
  }
  return true;
}

std::string format_uptime(std::optional<std::chrono::seconds> uptime) {
  if (!uptime) {
    return "-";
  }
  long long s = uptime->count();
  auto two = [](long long v) {
    std::string digits = std::to_string(v);
    return v < 10 ? digits.insert(0, 1, '0') : digits;
  };
  if (s < 60) {
    return std::to_string(s) + "s";
  }
  if (s < 3600) {
    return std::to_string(s / 60) + "m" + two(s % 60) + "s";
  }
  if (s < 86400) {
    return std::to_string(s / 3600) + "h" + two((s % 3600) / 60) + "m";
  }
  return std::to_string(s / 86400) + "d" + two((s % 86400) / 3600) + "h";
}

std::string format_models(const StatusRow& row) {
  if (row.big_model == row.middle_model && row.middle_model == row.small_model) {
    return row.big_model.empty() ? "-" : row.big_model;
  }
  return row.big_model + "/" + row.middle_model + "/" + row.small_model;
}

namespace {

const char* state_colour(WorkerState s) {
  switch (s) {
    case WorkerState::running:
      return "\033[32m";
    case WorkerState::starting:
    case WorkerState::stopping:
    case WorkerState::backoff:
      return "\033[33m";
    case WorkerState::unmanaged:
      return "\033[36m";
    case WorkerState::fatal:
    case WorkerState::conflict:
      return "\033[31m";
    case WorkerState::stopped:
      return "\033[2m";
  }
  return "";
}

std::string restarts_text(const StatusRow& r) {
  if (!r.restarts) {
    return "-";
  }
  std::string s = std::to_string(*r.restarts);
  if (r.last_exit) {
    if (!r.last_exit->known) {
      s += " (exited)";
    } else if (r.last_exit->signaled) {
      s += " (" + signal_name(r.last_exit->code) + ")";
    } else {
      s += " (exit " + std::to_string(r.last_exit->code) + ")";
    }
  }
  return s;
}

}  // namespace

std::string format_upstreams(const StatusRow& row) {
  std::string out;
  for (const auto& u : row.upstreams) {
    out += out.empty() ? "" : ", ";
    out += u.name + " " + u.state;
    if (u.state == "cooldown") {
      out += " " + std::to_string(u.cooldown_left_s) + "s";
    }
    if (u.keys_total > 1 && u.keys_ok < u.keys_total) {
      out += " (keys " + std::to_string(u.keys_ok) + "/" + std::to_string(u.keys_total) + ")";
    }
  }
  return out.empty() ? "-" : out;
}

std::vector<UpstreamView> upstreams_from_health(const std::string& body) {
  std::vector<UpstreamView> out;
  if (body.empty()) {
    return out;
  }
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("upstreams") ||
      !j["upstreams"].is_array()) {
    return out;
  }
  for (const auto& u : j["upstreams"]) {
    if (!u.is_object()) {
      continue;
    }
    UpstreamView v;
    v.name = u.value("name", "");
    v.state = u.value("state", "");
    v.cooldown_left_s = static_cast<int>(u.value("cooldown_left_s", 0.0));
    v.keys_ok = u.value("keys_ok", 0);
    v.keys_total = u.value("keys_total", 0);
    v.last_error = u.value("last_error", "");
    out.push_back(std::move(v));
  }
  return out;
}

std::string render_table(const StatusReport& report, bool colour) {
  const std::vector<std::string> header = {"NAME",     "PORT",   "PID",    "STATE",    "UPTIME",
                                           "RESTARTS", "HEALTH", "MODELS", "UPSTREAM", "UPSTREAMS"};
  std::vector<std::vector<std::string>> cells;
  for (const auto& r : report.rows) {
    cells.push_back({r.name, std::to_string(r.port), r.pid > 0 ? std::to_string(r.pid) : "-",
                     std::string(state_name(r.state)), format_uptime(r.uptime), restarts_text(r),
                     r.health.str(), format_models(r), r.upstream.empty() ? "-" : r.upstream,
                     format_upstreams(r)});
  }
  std::vector<std::size_t> width(header.size());
  for (std::size_t c = 0; c < header.size(); ++c) {
    width[c] = header[c].size();
    for (const auto& row : cells) {
      width[c] = std::max(width[c], row[c].size());
    }
  }
  const char* reset = "\033[0m";
  std::string out;
  auto emit = [&](const std::vector<std::string>& row, const StatusRow* src) {
    std::string line;
    for (std::size_t c = 0; c < row.size(); ++c) {
      std::string cell = row[c];
      bool last = c + 1 == row.size();
      std::string padded = last ? cell : cell + std::string(width[c] - cell.size() + 2, ' ');
      if (colour && src != nullptr && c == 3) {
        line += state_colour(src->state) + cell + reset + padded.substr(cell.size());
      } else if (colour && src != nullptr && c == 6 && src->health.kind != HealthKind::none) {
        line += (src->health.healthy() ? "\033[32m" : "\033[31m") + cell + reset +
                padded.substr(cell.size());
      } else if (colour && src == nullptr) {
        line += "\033[1m" + cell + reset + padded.substr(cell.size());
      } else {
        line += padded;
      }
    }
    while (!line.empty() && line.back() == ' ') {
      line.pop_back();
    }
    out += line + "\n";
  };
  emit(header, nullptr);
  for (std::size_t i = 0; i < cells.size(); ++i) {
    emit(cells[i], &report.rows[i]);
  }
  for (const auto& r : report.rows) {
    if (!r.message.empty()) {
      out += "  " + r.name + ": " + r.message + "\n";
    }
  }
  for (const auto& n : report.notes) {
    out += "  note: " + n + "\n";
  }
  if (!report.supervisor_running) {
    out += "  (no supervisor running for this home; `ccproxy start` starts one)\n";
  }
  return out;
}

nlohmann::json to_json(const StatusReport& report) {
  nlohmann::json j;
  j["supervisor"] = {{"running", report.supervisor_running},
                     {"pid", report.supervisor_pid > 0 ? nlohmann::json(report.supervisor_pid)
                                                       : nlohmann::json(nullptr)}};
  j["healthy"] = report.all_healthy();
  j["workers"] = nlohmann::json::array();
  for (const auto& r : report.rows) {
    nlohmann::json w;
    w["name"] = r.name;
    w["port"] = r.port;
    w["pid"] = r.pid > 0 ? nlohmann::json(r.pid) : nlohmann::json(nullptr);
    w["state"] = std::string(state_name(r.state));
    w["uptime_s"] = r.uptime ? nlohmann::json(r.uptime->count()) : nlohmann::json(nullptr);
    w["restarts"] = r.restarts ? nlohmann::json(*r.restarts) : nlohmann::json(nullptr);
    if (r.last_exit) {
      w["last_exit"] = {
          {"text", r.last_exit->str()},
          {"signal", r.last_exit->known && r.last_exit->signaled ? nlohmann::json(r.last_exit->code)
                                                                 : nlohmann::json(nullptr)},
          {"code", r.last_exit->known && !r.last_exit->signaled ? nlohmann::json(r.last_exit->code)
                                                                : nlohmann::json(nullptr)}};
    } else {
      w["last_exit"] = nullptr;
    }
    w["health"] = {
        {"result", r.health.kind_name()},
        {"text", r.health.str()},
        {"http_status",
         r.health.http_status ? nlohmann::json(r.health.http_status) : nlohmann::json(nullptr)},
        {"latency_ms", r.health.kind == HealthKind::ok || r.health.kind == HealthKind::http
                           ? nlohmann::json(r.health.latency.count() / 1000.0)
                           : nlohmann::json(nullptr)}};
    w["healthy"] = r.healthy();
    w["models"] = {{"big", r.big_model}, {"middle", r.middle_model}, {"small", r.small_model}};
    w["upstream"] = r.upstream;
    w["upstreams"] = nlohmann::json::array();
    for (const auto& u : r.upstreams) {
      w["upstreams"].push_back({{"name", u.name},
                                {"state", u.state},
                                {"cooldown_left_s", u.cooldown_left_s},
                                {"keys_ok", u.keys_ok},
                                {"keys_total", u.keys_total},
                                {"last_error", u.last_error}});
    }
    w["message"] = r.message.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.message);
    j["workers"].push_back(std::move(w));
  }
  j["notes"] = report.notes;
  return j;
}

bool want_colour(int fd) {
  const char* no = std::getenv("NO_COLOR");
  if (no != nullptr && *no != '\0') {
    return false;
  }
  return ::isatty(fd) == 1;
}

}  // namespace ccproxy::supervisor
