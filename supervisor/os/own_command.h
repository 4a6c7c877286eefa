#pragma once
// Whose process is it? A process's start time, boot id and command line can all be read by
// anyone, so a pid file that matches a live process proves only that the process exists, not
// that it is ours. Ours means: this executable (its /proc/<pid>/exe is ours), running the
// command the supervisor gives it for this home: `--home HOME run --profile NAME` for a worker;
// `supervise` or `start ...` (after `--home HOME` when given) for the supervisor.

#include <filesystem>
#include <string>
#include <vector>

#include "supervisor/os/proc_info.h"

namespace ccproxy::supervisor {

/// The command line of our worker for `profile` in `home`: what the supervisor spawns.
std::vector<std::string> worker_command(const std::filesystem::path& exe,
                                        const std::filesystem::path& home,
                                        const std::string& profile);

/// True when the process runs `expected`: its executable is expected[0] and its command line is
/// `expected` word for word, except that the directory after --home may be spelled another way
/// (the same directory).
bool runs_command(const ProcessIdentity& live, const std::vector<std::string>& expected);

/// True when the process is a supervisor of `home` run by `exe`. A supervisor started without
/// --home (or with a relative one) took its home from its environment or working directory,
/// which its command line cannot tell: it counts as this home's.
bool runs_supervisor(const ProcessIdentity& live, const std::filesystem::path& exe,
                     const std::filesystem::path& home);

/// True when the process is ours for the pid file `record_name` ("supervisor" or a profile) of
/// `home`, this executable being ours.
bool runs_as_ours(const ProcessIdentity& live, const std::string& record_name,
                  const std::filesystem::path& home);

}  // namespace ccproxy::supervisor
