#include "logging/rotating_file.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>

#include "logging/archive_name.h"

namespace ccproxy::logging {
namespace {

constexpr auto kRetryAfterFailure = std::chrono::seconds(60);
constexpr int kMaxSuffix = 9999;

std::string errno_text(const std::string& what, const std::filesystem::path& p, int err) {
  return what + " " + p.string() + ": " + std::strerror(err);
}

std::string mode_text(mode_t mode) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
  return buf;
}

bool exists_no_follow(const std::filesystem::path& p) {
  struct stat st {};
  return ::lstat(p.c_str(), &st) == 0 || errno != ENOENT;
}

// Renames `from` to `to` unless `to` exists. EEXIST when it does.
int rename_no_replace(const std::filesystem::path& from, const std::filesystem::path& to) {
  if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) == 0) {
    return 0;
  }
  if (errno != EINVAL && errno != ENOSYS) {
    return errno;
  }
  // A filesystem without RENAME_NOREPLACE: check, then rename (only we name files this way).
  if (exists_no_follow(to)) {
    return EEXIST;
  }
  return ::rename(from.c_str(), to.c_str()) == 0 ? 0 : errno;
}

// Logs may contain prompts: nobody but the owner may list or read them. The mode of a
// directory that is a symbolic link (logs kept elsewhere on purpose) is left alone: ccproxy
// never changes a mode through a link.
void tighten_dir(const std::filesystem::path& dir, std::vector<std::string>* notices) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    struct stat st {};
    if (err != ELOOP && err != ENOTDIR) {
      notices->push_back(errno_text("cannot check the mode of log directory", dir, err));
    } else if (::stat(dir.c_str(), &st) == 0 && (st.st_mode & 077) != 0) {
      notices->push_back("log directory " + dir.string() + " is a symbolic link to a directory " +
                         "of mode " + mode_text(st.st_mode) + "; its mode is left as it is");
    }
    return;
  }
  struct stat st {};
  if (::fstat(fd, &st) == 0 && (st.st_mode & 077) != 0) {
    mode_t tightened = st.st_mode & 0700;
    if (::fchmod(fd, tightened) == 0) {
      notices->push_back("log directory " + dir.string() + " had mode " + mode_text(st.st_mode) +
                         ", tightened to " + mode_text(tightened));
    } else {
      notices->push_back("log directory " + dir.string() + " has mode " + mode_text(st.st_mode) +
                         " and cannot be tightened: " + std::strerror(errno));
    }
  }
  ::close(fd);
}

Result<void, std::string> prepare_dir(const std::filesystem::path& dir,
                                      std::vector<std::string>* notices) {
  std::error_code ec;
  if (dir.has_parent_path()) {
    std::filesystem::create_directories(dir.parent_path(), ec);
    if (ec) {
      return fail("cannot create " + dir.parent_path().string() + ": " + ec.message());
    }
  }
  if (::mkdir(dir.c_str(), 0700) == 0) {
    return {};
  }
  if (errno != EEXIST) {
    return fail(errno_text("cannot create", dir, errno));
  }
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0) {
    return fail(errno_text("cannot stat", dir, errno));
  }
  if (!S_ISDIR(st.st_mode)) {
    return fail(dir.string() + " exists and is not a directory");
  }
  tighten_dir(dir, notices);
  return {};
}

// The current log file, opened for appending (created 0600). Never through a symbolic link
// (one planted there would have us write to, and chmod, whatever it points at), and only a
// regular file.
Result<int, std::string> open_log_for_append(const std::filesystem::path& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) {
    int err = errno;
    struct stat st {};
    if (err == ELOOP && ::lstat(path.c_str(), &st) == 0 && S_ISLNK(st.st_mode)) {
      return fail("cannot open " + path.string() +
                  ": it is a symbolic link; a log file must be a regular file (remove the link)");
    }
    return fail(errno_text("cannot open", path, err));
  }
  return fd;
}

}  // namespace

Result<std::unique_ptr<RotatingFile>, std::string> RotatingFile::open(const LogFileOptions& options,
                                                                      ArchiveHook on_archive) {
  if (!is_log_stem(options.name)) {
    return fail("invalid log name '" + options.name + "' (letters, digits, '_' and '-' only)");
  }
  std::unique_ptr<RotatingFile> file(new RotatingFile(options, std::move(on_archive)));
  if (auto r = prepare_dir(options.dir, &file->notices_); !r) {
    return fail(r.error());
  }
  if (auto r = file->open_current(); !r) {
    return fail(r.error());
  }
  if (options.redirect_stdio) {
    // Raw prints should reach the file line by line (stderr is unbuffered already).
    ::setvbuf(stdout, nullptr, _IOLBF, 0);
  }
  // A file last written before today's midnight (the process was down at midnight) is
  // rotated before the first line of today, as if the process had been running.
  struct stat st {};
  auto start = file->now();
  if (::fstat(file->fd_, &st) == 0 && st.st_size > 0) {
    auto mtime = std::chrono::system_clock::from_time_t(st.st_mtim.tv_sec);
    file->schedule_midnight(std::min(mtime, start));
  } else {
    file->schedule_midnight(start);
  }
  return file;
}

RotatingFile::RotatingFile(const LogFileOptions& options, ArchiveHook on_archive)
    : options_(options),
      on_archive_(std::move(on_archive)),
      path_(options.dir / (options.name + ".log")) {}

RotatingFile::~RotatingFile() {
  if (fd_ >= 0) {
    ::close(fd_);
  }
}

std::chrono::system_clock::time_point RotatingFile::now() const {
  return options_.clock ? options_.clock() : std::chrono::system_clock::now();
}

Result<void, std::string> RotatingFile::open_current() {
  auto opened = open_log_for_append(path_);
  if (!opened) {
    return fail(opened.error());
  }
  const int fd = *opened;
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    return fail(errno_text("cannot stat", path_, err));
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return fail(path_.string() + " is not a regular file");
  }
  if ((st.st_mode & 077) != 0) {
    if (::fchmod(fd, 0600) == 0) {
      notices_.push_back("log file " + path_.string() + " had mode " + mode_text(st.st_mode) +
                         ", tightened to 0600");
    } else {
      notices_.push_back("log file " + path_.string() + " has mode " + mode_text(st.st_mode) +
                         " and cannot be tightened: " + std::strerror(errno));
    }
  }
  if (options_.redirect_stdio) {
    // After this, a raw print or a crash message from any thread lands in the current file.
    if (::dup2(fd, STDOUT_FILENO) < 0 || ::dup2(fd, STDERR_FILENO) < 0) {
      notices_.push_back(std::string("cannot point stdout/stderr at the log: ") +
                         std::strerror(errno));
    }
  }
  if (fd_ >= 0) {
    ::close(fd_);
  }
  fd_ = fd;
  dev_ = st.st_dev;
  ino_ = st.st_ino;
  return {};
}

void RotatingFile::schedule_midnight(std::chrono::system_clock::time_point t) {
  std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  localtime_r(&tt, &tm);
  tm.tm_hour = 0;
  tm.tm_min = 0;
  tm.tm_sec = 0;
  tm.tm_mday += 1;
  tm.tm_isdst = -1;  // let mktime find the offset of that day (DST changes)
  next_midnight_ = std::chrono::system_clock::from_time_t(std::mktime(&tm));
}

void RotatingFile::write_line(std::string_view line) {
  auto t = now();
  bool due = false;
  if (options_.policy.daily && t >= next_midnight_) {
    schedule_midnight(t);
    due = true;
  }
  struct stat st {};
  if (::fstat(fd_, &st) == 0) {
    if (st.st_nlink == 0) {
      // Someone deleted the current file: start a new one rather than write into the void.
      if (auto r = open_current(); !r) {
        notices_.push_back(r.error());
      }
      st.st_size = 0;
    }
    std::uint64_t size = static_cast<std::uint64_t>(st.st_size);
    if (options_.policy.max_bytes > 0 && size > 0 &&
        size + line.size() > options_.policy.max_bytes) {
      due = true;
    }
    if (size == 0) {
      due = false;  // nothing to archive
    }
  }
  if (due && t >= retry_after_) {
    rotate_at(t);
  }
  const char* p = line.data();
  std::size_t n = line.size();
  while (n > 0) {
    ssize_t w = ::write(fd_, p, n);
    if (w < 0) {
      if (errno == EINTR) {
        continue;
      }
      ++write_errors_;  // disk full or similar: nowhere better to say so
      return;
    }
    p += w;
    n -= static_cast<std::size_t>(w);
  }
}

void RotatingFile::rotate() {
  struct stat st {};
  if (::fstat(fd_, &st) == 0 && st.st_size == 0) {
    return;
  }
  rotate_at(now());
}

void RotatingFile::rotate_at(std::chrono::system_clock::time_point t) {
  std::filesystem::path archive;
  struct stat pst {};
  // Only rename the file we are writing: if another process already rotated it, the name now
  // belongs to its fresh file and we just reopen.
  bool ours = ::lstat(path_.c_str(), &pst) == 0 && pst.st_dev == dev_ && pst.st_ino == ino_;
  if (ours) {
    std::string stamp = archive_stamp(t);
    for (int suffix = 0; suffix <= kMaxSuffix; ++suffix) {
      std::filesystem::path candidate =
          options_.dir / archive_file_name(options_.name, stamp, suffix);
      std::filesystem::path gz = candidate;
      gz += ".gz";
      if (exists_no_follow(gz)) {
        continue;
      }
      int err = rename_no_replace(path_, candidate);
      if (err == 0) {
        archive = candidate;
        break;
      }
      if (err != EEXIST) {
        notices_.push_back("cannot rotate " + path_.string() + ": " + std::strerror(err));
        retry_after_ = t + kRetryAfterFailure;
        return;
      }
    }
    if (archive.empty()) {
      notices_.push_back("cannot rotate " + path_.string() + ": no free archive name");
      retry_after_ = t + kRetryAfterFailure;
      return;
    }
  }
  // On failure the old descriptor stays: lines go on into the archive, none is lost.
  if (auto r = open_current(); !r) {
    notices_.push_back(r.error());
    retry_after_ = t + kRetryAfterFailure;
    return;
  }
  ++rotations_;
  if (!archive.empty() && on_archive_) {
    on_archive_(archive);
  }
}

std::vector<std::string> RotatingFile::take_notices() {
  std::vector<std::string> out;
  out.swap(notices_);
  return out;
}

}  // namespace ccproxy::logging
