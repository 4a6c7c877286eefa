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
  remember_archives();  // before the open: a file archived after it is not taken as seen
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
    remember_archives();
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

std::map<LogFollower::ArchiveKey, std::filesystem::path> LogFollower::list_archives() const {
  std::map<ArchiveKey, std::filesystem::path> out;
  std::string file_name = path_.filename().string();
  constexpr std::string_view kLog = ".log";
  if (file_name.size() <= kLog.size() || !file_name.ends_with(kLog)) {
    return out;  // not a name rotation archives under
  }
  std::string stem = file_name.substr(0, file_name.size() - kLog.size());
  std::error_code ec;
  std::filesystem::directory_iterator it(path_.parent_path(), ec);
  for (; !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    std::string name = it->path().filename().string();
    auto parsed = parse_archive_name(name);
    if (!parsed || parsed->stem != stem) {
      continue;
    }
    if (parsed->gz) {
      name.resize(name.size() - 3);
    }
    out[{parsed->stamp, parsed->suffix}] = path_.parent_path() / name;
  }
  return out;
}

void LogFollower::remember_archives() {
  seen_.clear();
  for (const auto& [key, plain] : list_archives()) {
    seen_.insert(key);
  }
}

bool LogFollower::is_archive_of(const std::filesystem::path& plain, const Source& src) {
  struct stat st {};
  if (::stat(plain.c_str(), &st) == 0) {
    return st.st_dev == src.dev && st.st_ino == src.ino;
  }
  // Compressed, perhaps since the listing: the .gz keeps the plain file's exact mtime, and the
  // file itself, still open here, has no name left.
  struct stat open_st {};
  if (::fstat(src.fd, &open_st) != 0 || open_st.st_nlink != 0 ||
      ::stat((plain.string() + ".gz").c_str(), &st) != 0) {
    return false;
  }
  return st.st_mtim.tv_sec == open_st.st_mtim.tv_sec &&
         st.st_mtim.tv_nsec == open_st.st_mtim.tv_nsec;
}

void LogFollower::read_archives_between(const Source& old, const Source* next,
                                        std::vector<std::string>* out) {
  std::map<ArchiveKey, std::filesystem::path> now = list_archives();
  // Archived since the last listing: the old file, the files in between, perhaps the new one
  // (and the files after it, whose turn is the next poll's). Keys grow with each rotation, so
  // the first match is the right one even if two compressed archives share an mtime.
  std::vector<std::map<ArchiveKey, std::filesystem::path>::iterator> fresh;
  for (auto it = now.begin(); it != now.end(); ++it) {
    if (!seen_.contains(it->first)) {
      fresh.push_back(it);
    }
  }
  auto old_it = std::find_if(fresh.begin(), fresh.end(),
                             [&](const auto& a) { return is_archive_of(a->second, old); });
  std::optional<ArchiveKey> next_key;
  if (next != nullptr) {
    auto next_it = std::find_if(fresh.begin(), fresh.end(),
                                [&](const auto& a) { return is_archive_of(a->second, *next); });
    if (next_it != fresh.end()) {
      next_key = (*next_it)->first;
    }
  }
  std::vector<std::map<ArchiveKey, std::filesystem::path>::iterator> between;
  for (const auto& a : fresh) {
    if ((old_it != fresh.end() && a->first <= (*old_it)->first) ||
        (next_key && a->first >= *next_key)) {
      continue;
    }
    between.push_back(a);
  }
  // Everything listed counts as seen, but for the files after the new one.
  seen_.clear();
  for (const auto& [key, plain] : now) {
    if (!next_key || key <= *next_key) {
      seen_.insert(key);
    }
  }
  if (old_it == fresh.end()) {
    // The old file went under a name not listed (another tool's rotation, or compressed
    // without its mtime): the fresh archives may hold it, so they are named, not printed.
    for (const auto& a : between) {
      events_.push_back(a->second.string() +
                        ": archived while followed, not shown (the previous file was not found "
                        "among the archives)");
    }
    return;
  }
  for (const auto& a : between) {
    const std::filesystem::path& plain = a->second;
    Source src;
    src.fd = ::open(plain.c_str(), O_RDONLY | O_CLOEXEC);
    if (src.fd >= 0) {
      read_available(&src, out);
      flush_partial(&src, out);
      close_source(&src);
      continue;
    }
    // Compressed already, or since the listing: the lines come from the .gz.
    auto lines = last_lines(plain.string() + ".gz", SIZE_MAX);
    if (!lines) {
      events_.push_back(plain.string() +
                        ": archived and gone before it was read: " + lines.error());
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
