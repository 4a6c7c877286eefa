#include "logging/log_follower.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <iterator>
#include <optional>
#include <system_error>
#include <tuple>

#include "logging/archive_name.h"
#include "logging/tail_reader.h"

namespace ccproxy::logging {
namespace {

// A line longer than this without a newline is passed on in pieces rather than held forever.
constexpr std::size_t kMaxPartial = 1 << 20;

}  // namespace

LogFollower::LogFollower(std::filesystem::path path) : path_(std::move(path)) {}

LogFollower::~LogFollower() {
  close_source(&current_);
  close_source(&previous_);
}

void LogFollower::close_source(Source* src) {
  if (src->fd >= 0) {
    ::close(src->fd);
  }
  *src = Source{};
}

bool LogFollower::open_current() {
  int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return false;
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    return false;
  }
  close_source(&current_);
  current_.fd = fd;
  current_.dev = st.st_dev;
  current_.ino = st.st_ino;
  return true;
}

std::vector<std::string> LogFollower::start(std::size_t n) {
  std::vector<std::string> out;
  if (!open_current()) {
    return out;  // not there yet: poll() picks it up when it appears
  }
  struct stat st {};
  if (::fstat(current_.fd, &st) != 0) {
    return out;
  }
  auto tail = read_tail(current_.fd, static_cast<std::uint64_t>(st.st_size), n);
  if (!tail) {
    events_.push_back(path_.string() + ": " + tail.error());
    return out;
  }
  current_.offset = tail->complete_end;
  return std::move(tail->lines);
}

void LogFollower::read_available(Source* src, std::vector<std::string>* out) {
  if (src->fd < 0) {
    return;
  }
  struct stat st {};
  if (::fstat(src->fd, &st) == 0 && static_cast<std::uint64_t>(st.st_size) < src->offset) {
    events_.push_back(path_.string() + ": file truncated");
    src->offset = 0;
    src->partial.clear();
  }
  char buf[64 * 1024];
  for (;;) {
    ssize_t r = ::pread(src->fd, buf, sizeof buf, static_cast<off_t>(src->offset));
    if (r < 0 && errno == EINTR) {
      continue;
    }
    if (r <= 0) {
      break;
    }
    src->offset += static_cast<std::uint64_t>(r);
    std::string_view data(buf, static_cast<std::size_t>(r));
    std::size_t start = 0;
    for (std::size_t nl; (nl = data.find('\n', start)) != std::string_view::npos; start = nl + 1) {
      src->partial.append(data.substr(start, nl - start));
      out->push_back(std::move(src->partial));
      src->partial.clear();
    }
    src->partial.append(data.substr(start));
    if (src->partial.size() > kMaxPartial) {
      out->push_back(std::move(src->partial));
      src->partial.clear();
    }
  }
}

void LogFollower::flush_partial(Source* src, std::vector<std::string>* out) {
  if (!src->partial.empty()) {
    out->push_back(std::move(src->partial));
    src->partial.clear();
  }
}

std::vector<std::string> LogFollower::poll() {
  std::vector<std::string> out;
  if (previous_.fd >= 0) {
    // A line still in flight when the writer switched files lands here.
    read_available(&previous_, &out);
    flush_partial(&previous_, &out);
    close_source(&previous_);
  }
  read_available(&current_, &out);
  struct stat st {};
  if (::stat(path_.c_str(), &st) != 0) {
    return out;  // rotated and not recreated yet, or not created yet: keep what we have
  }
  if (current_.fd >= 0 && st.st_dev == current_.dev && st.st_ino == current_.ino) {
    return out;
  }
  if (current_.fd < 0) {
    if (open_current()) {
      read_available(&current_, &out);
    }
    return out;
  }
  // Rotated: whatever reached the old file before the switch comes first, then any file that
  // came and went between two polls, then the new one. The new file is opened before the
  // archives are listed, so every file rotated before it is in the listing.
  read_available(&current_, &out);
  previous_ = current_;
  current_ = Source{};
  bool opened = open_current();
  read_archives_between(previous_, opened ? &current_ : nullptr, &out);
  if (opened) {
    read_available(&current_, &out);
  }
  return out;
}

void LogFollower::read_archives_between(const Source& old, const Source* next,
                                        std::vector<std::string>* out) {
  std::string file_name = path_.filename().string();
  constexpr std::string_view kLog = ".log";
  if (file_name.size() <= kLog.size() || !file_name.ends_with(kLog)) {
    return;
  }
  std::string stem = file_name.substr(0, file_name.size() - kLog.size());
  struct Archive {
    std::tuple<std::string, int> key;  // stamps and suffixes grow with each rotation
    std::filesystem::path path;
    bool gz = false;
    bool is_old = false;
    bool is_next = false;
  };
  struct stat old_st {};
  bool old_gone = ::fstat(old.fd, &old_st) == 0 && old_st.st_nlink == 0;  // compressed already
  std::vector<Archive> archives;
  std::error_code ec;
  std::filesystem::directory_iterator it(path_.parent_path(), ec);
  for (; !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    auto name = parse_archive_name(it->path().filename().string());
    if (!name || name->stem != stem) {
      continue;
    }
    Archive a{{name->stamp, name->suffix}, it->path(), name->gz};
    struct stat st {};
    if (::stat(a.path.c_str(), &st) == 0) {
      // A plain archive is the old file itself; a compressed one keeps its exact mtime.
      a.is_old = a.gz ? old_gone && st.st_mtim.tv_sec == old_st.st_mtim.tv_sec &&
                            st.st_mtim.tv_nsec == old_st.st_mtim.tv_nsec
                      : st.st_dev == old.dev && st.st_ino == old.ino;
      a.is_next = !a.gz && next != nullptr && st.st_dev == next->dev && st.st_ino == next->ino;
    }
    archives.push_back(std::move(a));
  }
  auto old_it =
      std::find_if(archives.begin(), archives.end(), [](const Archive& a) { return a.is_old; });
  if (old_it == archives.end()) {
    return;  // not archived under a name we know: nothing to order the others by
  }
  auto old_key = old_it->key;
  // The new file may itself be archived by now: the files after it are read on the next poll.
  auto next_it =
      std::find_if(archives.begin(), archives.end(), [](const Archive& a) { return a.is_next; });
  std::optional<std::tuple<std::string, int>> next_key;
  if (next_it != archives.end()) {
    next_key = next_it->key;
  }
  std::vector<Archive> later;
  for (auto& a : archives) {
    if (a.key > old_key && (!next_key || a.key < *next_key)) {
      later.push_back(std::move(a));
    }
  }
  // Oldest first; a plain archive before its .gz, which is then skipped.
  std::sort(later.begin(), later.end(), [](const Archive& a, const Archive& b) {
    return std::tie(a.key, a.gz) < std::tie(b.key, b.gz);
  });
  std::optional<std::tuple<std::string, int>> done;  // the key last read or reported
  for (const Archive& a : later) {
    if (done == a.key) {
      continue;
    }
    done = a.key;
    if (!a.gz) {
      Source src;
      src.fd = ::open(a.path.c_str(), O_RDONLY | O_CLOEXEC);
      if (src.fd >= 0) {
        read_available(&src, out);
        flush_partial(&src, out);
        close_source(&src);
        continue;
      }
    }
    // Compressed already, or since the listing: the lines come from the .gz.
    auto gz = a.gz ? a.path : std::filesystem::path(a.path.string() + ".gz");
    auto lines = last_lines(gz, SIZE_MAX);
    if (!lines) {
      events_.push_back(a.path.string() + ": rotated and gone between two reads: " + lines.error());
      continue;
    }
    out->insert(out->end(), std::make_move_iterator(lines->begin()),
                std::make_move_iterator(lines->end()));
  }
}

std::vector<std::string> LogFollower::take_events() {
  std::vector<std::string> out;
  out.swap(events_);
  return out;
}

}  // namespace ccproxy::logging
