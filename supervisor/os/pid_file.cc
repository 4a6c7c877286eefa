#include "supervisor/os/pid_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common/new_file.h"
#include "supervisor/os/own_command.h"
#include "supervisor/os/process_table.h"

namespace ccproxy::supervisor {

namespace fs = std::filesystem;

std::filesystem::path pid_file_path(const fs::path& pids_dir, const std::string& name) {
  return pids_dir / (name + ".json");
}

Result<void> write_pid_file(const fs::path& path, const PidRecord& record) {
  nlohmann::json j;
  j["pid"] = record.pid;
  j["profile"] = record.profile;
  j["port"] = record.port;
  j["start_time"] = record.identity.start_time;
  j["boot_id"] = record.identity.boot_id;
  j["cmdline"] = record.identity.cmdline;
  j["exe"] = record.identity.exe;
  return replace_file(path, j.dump(2) + "\n", 0600);
}

Result<std::optional<PidRecord>> read_pid_file(const fs::path& path) {
  std::ifstream in(path);
  if (!in) {
    if (errno == ENOENT || !fs::exists(path)) {
      return std::optional<PidRecord>{};
    }
    return fail("cannot read " + path.string() + ": " + std::strerror(errno));
  }
  std::stringstream s;
  s << in.rdbuf();
  try {
    auto j = nlohmann::json::parse(s.str());
    PidRecord r;
    r.pid = j.at("pid").get<int>();
    r.profile = j.value("profile", "");
    r.port = j.value("port", std::uint16_t{0});
    r.identity.start_time = j.at("start_time").get<std::uint64_t>();
    r.identity.boot_id = j.value("boot_id", "");
    r.identity.cmdline = j.value("cmdline", std::vector<std::string>{});
    r.identity.exe = j.value("exe", "");
    r.file = path;
    if (r.pid <= 1) {
      return fail(path.string() + ": invalid pid " + std::to_string(r.pid));
    }
    return std::optional<PidRecord>(std::move(r));
  } catch (const std::exception& e) {
    return fail(path.string() + ": not a valid pid file (" + e.what() + ")");
  }
}

namespace {

// Whether the record names the live process; `live` is then what the ProcessTable says of it.
IdentityCheck match_record(const PidRecord& record, ProcessTable& procs,
                           std::optional<ProcessIdentity>& live) {
  if (!procs.alive(record.pid)) {
    return IdentityCheck::gone;
  }
  live = procs.identity(record.pid);
  if (!live) {
    return IdentityCheck::gone;
  }
  if (live->start_time != record.identity.start_time || live->boot_id != record.identity.boot_id ||
      live->cmdline != record.identity.cmdline) {
    return IdentityCheck::reused;
  }
  return IdentityCheck::same;
}

}  // namespace

IdentityCheck check_identity(const PidRecord& record, ProcessTable& procs) {
  std::optional<ProcessIdentity> live;
  IdentityCheck check = match_record(record, procs, live);
  if (check != IdentityCheck::same || record.file.empty()) {
    return check;
  }
  // pids/NAME.json lives in HOME/pids.
  const fs::path home = record.file.parent_path().parent_path();
  return runs_as_ours(*live, record.file.stem().string(), home) ? IdentityCheck::same
                                                                : IdentityCheck::not_ours;
}

IdentityCheck check_identity(const PidRecord& record, ProcessTable& procs,
                             const std::vector<std::string>& command) {
  std::optional<ProcessIdentity> live;
  IdentityCheck check = match_record(record, procs, live);
  if (check != IdentityCheck::same) {
    return check;
  }
  return runs_command(*live, command) ? IdentityCheck::same : IdentityCheck::not_ours;
}

std::string describe_identity(IdentityCheck check, const PidRecord& record, ProcessTable& procs) {
  std::string pid = "pid " + std::to_string(record.pid);
  switch (check) {
    case IdentityCheck::same:
      return pid + " is still running";
    case IdentityCheck::gone:
      return pid + " is gone";
    case IdentityCheck::reused: {
      auto id = procs.identity(record.pid);
      std::string cmd = id ? display_cmdline(id->cmdline) : "";
      return pid + " now belongs to another process" + (cmd.empty() ? "" : " (" + cmd + ")");
    }
    case IdentityCheck::not_ours: {
      std::string cmd = display_cmdline(record.identity.cmdline);
      return pid + " is not a ccproxy process of this home" + (cmd.empty() ? "" : " (" + cmd + ")");
    }
  }
  return pid;
}

}  // namespace ccproxy::supervisor
