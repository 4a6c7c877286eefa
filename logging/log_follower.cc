#include "logging/log_follower.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

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
  if (current_.fd >= 0) {
    // Rotated: whatever reached the old file before the switch comes first.
    read_available(&current_, &out);
    previous_ = current_;
    current_ = Source{};
  }
  if (open_current()) {
    read_available(&current_, &out);
  }
  return out;
}

std::vector<std::string> LogFollower::take_events() {
  std::vector<std::string> out;
  out.swap(events_);
  return out;
}

}  // namespace ccproxy::logging
