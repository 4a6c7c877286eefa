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

namespace {

Result<void> write_all(int fd, const std::string& data) {
  std::size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return fail(std::string(std::strerror(errno)));
    }
    off += static_cast<std::size_t>(n);
  }
  return {};
}

}  // namespace

Result<void> write_pid_file(const fs::path& path, const PidRecord& record) {
  nlohmann::json j;
  j["pid"] = record.pid;
  j["profile"] = record.profile;
  j["port"] = record.port;
  j["start_time"] = record.identity.start_time;
  j["boot_id"] = record.identity.boot_id;
  j["cmdline"] = record.identity.cmdline;
  j["exe"] = record.identity.exe;
  std::string text = j.dump(2) + "\n";

  fs::path tmp = path;
  tmp += ".tmp." + std::to_string(::getpid());
  int fd = create_new_file(tmp, 0600);
  if (fd < 0) {
    return fail("cannot create " + tmp.string() + ": " + std::strerror(errno));
  }
  auto w = write_all(fd, text);
  if (!w || ::fsync(fd) != 0) {
    std::string why = w ? std::strerror(errno) : w.error();
    ::close(fd);
    ::unlink(tmp.c_str());
    return fail("cannot write " + tmp.string() + ": " + why);
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    std::string why = std::strerror(errno);
    ::unlink(tmp.c_str());
    return fail("cannot rename " + tmp.string() + " to " + path.string() + ": " + why);
  }
  // The rename is durable only once the directory entry is on disk.
  int dfd = ::open(path.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return {};
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
