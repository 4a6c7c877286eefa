#include "logging/retention.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <set>

#include "logging/archive_name.h"
#include "logging/size_text.h"

namespace ccproxy::logging {
namespace {

struct Candidate {
  std::filesystem::path file;
  std::string name;
  std::uint64_t bytes = 0;
  std::chrono::system_clock::time_point mtime;
  bool tmp = false;
  bool gone = false;  // removed (or would be, in a dry run) by an earlier rule of this run
};

std::chrono::system_clock::time_point to_time_point(const struct timespec& ts) {
  return std::chrono::system_clock::time_point(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(
          std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec)));
}

/// Our archives in `dir` (regular files named like one, a compression's temporary file
/// included), oldest first (then by name), so the rules and the report read in age order.
std::vector<Candidate> list_archives(const std::filesystem::path& dir, CleanReport& report) {
  std::vector<Candidate> files;
  std::error_code ec;
  std::filesystem::directory_iterator it(dir, ec);
  if (ec) {
    if (ec != std::errc::no_such_file_or_directory) {
      report.errors.push_back("cannot read " + dir.string() + ": " + ec.message());
    }
    return files;
  }
  for (; it != std::filesystem::directory_iterator(); it.increment(ec)) {
    if (ec) {
      report.errors.push_back("cannot read " + dir.string() + ": " + ec.message());
      break;
    }
    std::string name = it->path().filename().string();
    auto parsed = parse_archive_name(name, /*allow_tmp=*/true);
    if (!parsed) {
      continue;  // not ours: current logs, foreign files
    }
    struct stat st {};
    if (::lstat(it->path().c_str(), &st) != 0) {
      continue;  // vanished meanwhile (another clean-logs, a compression finishing)
    }
    if (!S_ISREG(st.st_mode)) {
      continue;  // a directory or symlink with our name pattern is still not ours
    }
    Candidate c;
    c.file = it->path();
    c.name = name;
    c.bytes = static_cast<std::uint64_t>(st.st_size);
    c.mtime = to_time_point(st.st_mtim);
    c.tmp = parsed->tmp;
    files.push_back(std::move(c));
  }
  std::sort(files.begin(), files.end(), [](const Candidate& a, const Candidate& b) {
    if (a.mtime != b.mtime) {
      return a.mtime < b.mtime;
    }
    return a.name < b.name;
  });
  return files;
}

/// Removes one archive (in a dry run only reports it) and counts it in the report.
void remove_archive(Candidate& c, std::string reason, bool dry_run, CleanReport& report) {
  c.gone = true;
  if (dry_run) {
    report.removed.push_back({c.file, c.bytes, std::move(reason)});
    report.bytes += c.bytes;
    return;
  }
  if (::unlink(c.file.c_str()) == 0) {
    report.removed.push_back({c.file, c.bytes, std::move(reason)});
    report.bytes += c.bytes;
  } else if (errno != ENOENT) {
    report.errors.push_back("cannot remove " + c.file.string() + ": " + std::strerror(errno));
    c.gone = false;
  }
  // ENOENT: another run (or the compressor) removed it first; not counted by this run.
}

/// Rule 1: a plain archive whose complete .gz exists. A compression was interrupted between
/// the rename of the .gz and the unlink of the plain file.
void remove_duplicates_of_gz(std::vector<Candidate>& files, bool dry_run, CleanReport& report) {
  std::set<std::string> names;
  for (const auto& c : files) {
    names.insert(c.name);
  }
  for (auto& c : files) {
    if (!c.tmp && c.name.size() > 3 && c.name.compare(c.name.size() - 3, 3, ".gz") != 0 &&
        names.count(c.name + ".gz") != 0) {
      remove_archive(c, "duplicate of its .gz", dry_run, report);
    }
  }
}

/// Rule 2, age: "older than N days" means mtime < now - N*24h; an archive exactly N days old
/// stays.
void remove_older_than(std::vector<Candidate>& files, int days,
                       std::chrono::system_clock::time_point now, bool dry_run,
                       CleanReport& report) {
  auto cutoff = now - std::chrono::hours(24) * days;
  std::string reason = "older than " + std::to_string(days) + (days == 1 ? " day" : " days");
  for (auto& c : files) {
    if (!c.gone && c.mtime < cutoff) {
      remove_archive(c, reason, dry_run, report);
    }
  }
}

/// Rule 3, the size cap over every archive in the directory, oldest first. Temporary files of
/// a compression in progress are neither counted nor removed here (only by age).
void remove_over_cap(std::vector<Candidate>& files, std::uint64_t max_total_bytes, bool dry_run,
                     CleanReport& report) {
  std::uint64_t total = 0;
  for (const auto& c : files) {
    if (!c.gone && !c.tmp) {
      total += c.bytes;
    }
  }
  std::string reason = "over the " + size_text(max_total_bytes) + " cap";
  for (auto& c : files) {
    if (total <= max_total_bytes) {
      break;
    }
    if (c.gone || c.tmp) {
      continue;
    }
    remove_archive(c, reason, dry_run, report);
    if (c.gone) {
      total -= c.bytes;
    }
  }
}

}  // namespace

CleanReport clean_archives(const std::filesystem::path& dir, const RetentionOptions& options,
                           std::chrono::system_clock::time_point now) {
  CleanReport report;
  std::vector<Candidate> files = list_archives(dir, report);
  remove_duplicates_of_gz(files, options.dry_run, report);
  if (options.retention_days >= 0) {
    remove_older_than(files, options.retention_days, now, options.dry_run, report);
  }
  if (options.max_total_bytes > 0) {
    remove_over_cap(files, options.max_total_bytes, options.dry_run, report);
  }
  return report;
}

}  // namespace ccproxy::logging
