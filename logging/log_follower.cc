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
  close_current();
}

void LogFollower::close_current() {
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
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
  close_current();
  fd_ = fd;
  dev_ = st.st_dev;
  ino_ = st.st_ino;
  offset_ = 0;
  partial_.clear();
  return true;
}

std::vector<std::string> LogFollower::start(std::size_t n) {
  std::vector<std::string> out;
  if (!open_current()) {
    return out;  // not there yet: poll() picks it up when it appears
  }
  struct stat st {};
  if (::fstat(fd_, &st) != 0) {
    return out;
  }
  auto tail = read_tail(fd_, static_cast<std::uint64_t>(st.st_size), n);
  if (!tail) {
    events_.push_back(path_.string() + ": " + tail.error());
    return out;
  }
  offset_ = tail->complete_end;
  return std::move(tail->lines);
}

void LogFollower::read_available(std::vector<std::string>* out) {
  if (fd_ < 0) {
    return;
  }
  struct stat st {};
  if (::fstat(fd_, &st) == 0 && static_cast<std::uint64_t>(st.st_size) < offset_) {
    events_.push_back(path_.string() + ": file truncated");
    offset_ = 0;
    partial_.clear();
  }
  char buf[64 * 1024];
  for (;;) {
    ssize_t r = ::pread(fd_, buf, sizeof buf, static_cast<off_t>(offset_));
    if (r < 0 && errno == EINTR) {
      continue;
    }
    if (r <= 0) {
      break;
    }
    offset_ += static_cast<std::uint64_t>(r);
    std::string_view data(buf, static_cast<std::size_t>(r));
    std::size_t start = 0;
    for (std::size_t nl; (nl = data.find('\n', start)) != std::string_view::npos; start = nl + 1) {
      partial_.append(data.substr(start, nl - start));
      out->push_back(std::move(partial_));
      partial_.clear();
    }
    partial_.append(data.substr(start));
    if (partial_.size() > kMaxPartial) {
      out->push_back(std::move(partial_));
      partial_.clear();
    }
  }
}

void LogFollower::flush_partial(std::vector<std::string>* out) {
  if (!partial_.empty()) {
    out->push_back(std::move(partial_));
    partial_.clear();
  }
}

std::vector<std::string> LogFollower::poll() {
  std::vector<std::string> out;
  read_available(&out);
  struct stat st {};
  if (::stat(path_.c_str(), &st) != 0) {
    return out;  // rotated and not recreated yet, or not created yet: keep what we have
  }
  if (fd_ >= 0 && st.st_dev == dev_ && st.st_ino == ino_) {
    return out;
  }
  if (fd_ >= 0) {
    // Rotated: whatever reached the old file before the switch comes first.
    read_available(&out);
    flush_partial(&out);
  }
  if (open_current()) {
    read_available(&out);
  }
  return out;
}

std::vector<std::string> LogFollower::take_events() {
  std::vector<std::string> out;
  out.swap(events_);
  return out;
}

}  // namespace ccproxy::logging
