#include "logging/tail_reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <deque>

namespace ccproxy::logging {
namespace {

constexpr std::size_t kBlock = 64 * 1024;

std::vector<std::string> split_complete(std::string_view text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < text.size()) {
    auto nl = text.find('\n', start);
    if (nl == std::string_view::npos) {
      break;
    }
    out.emplace_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  return out;
}

Result<std::vector<std::string>, std::string> last_lines_gz(const std::filesystem::path& file,
                                                            std::size_t n) {
  gzFile gz = gzopen(file.c_str(), "rb");
  if (gz == nullptr) {
    return fail("cannot open " + file.string() + ": " + std::strerror(errno));
  }
  std::deque<std::string> ring;
  std::string pending;
  std::vector<char> buf(kBlock);
  int r;
  while ((r = gzread(gz, buf.data(), static_cast<unsigned>(buf.size()))) > 0) {
    pending.append(buf.data(), static_cast<std::size_t>(r));
    std::size_t start = 0;
    for (std::size_t nl; (nl = pending.find('\n', start)) != std::string::npos; start = nl + 1) {
      ring.emplace_back(pending, start, nl - start);
      if (ring.size() > n) {
        ring.pop_front();
      }
    }
    pending.erase(0, start);
  }
  int err = 0;
  const char* msg = gzerror(gz, &err);
  std::string error = r < 0 ? std::string(msg) : std::string();
  gzclose(gz);
  if (!error.empty()) {
    return fail("cannot read " + file.string() + ": " + error);
  }
  if (!pending.empty()) {
    ring.push_back(pending);
    if (ring.size() > n) {
      ring.pop_front();
    }
  }
  return std::vector<std::string>(ring.begin(), ring.end());
}

}  // namespace

Result<Tail, std::string> read_tail(int fd, std::uint64_t size, std::size_t n) {
  std::string buf;
  std::uint64_t pos = size;
  std::size_t newlines = 0;
  // Enough newlines: n to end the lines, one more to know where the first begins.
  while (pos > 0 && newlines < n + 1) {
    std::size_t chunk = static_cast<std::size_t>(std::min<std::uint64_t>(kBlock, pos));
    pos -= chunk;
    std::string block(chunk, '\0');
    std::size_t got = 0;
    while (got < chunk) {
      ssize_t r = ::pread(fd, block.data() + got, chunk - got, static_cast<off_t>(pos + got));
      if (r < 0 && errno == EINTR) {
        continue;
      }
      if (r < 0) {
        return fail(std::string("read failed: ") + std::strerror(errno));
      }
      if (r == 0) {
        break;  // the file shrank meanwhile
      }
      got += static_cast<std::size_t>(r);
    }
    block.resize(got);
    newlines += static_cast<std::size_t>(std::count(block.begin(), block.end(), '\n'));
    buf.insert(0, block);
  }
  Tail tail;
  auto last_nl = buf.rfind('\n');
  if (last_nl == std::string::npos) {
    tail.partial = buf;
    tail.complete_end = pos;
    return tail;
  }
  tail.partial = buf.substr(last_nl + 1);
  tail.complete_end = pos + last_nl + 1;
  std::string_view complete(buf.data(), last_nl + 1);
  if (pos > 0) {
    // The first segment may start mid-line: skip it.
    complete.remove_prefix(complete.find('\n') + 1);
  }
  auto lines = split_complete(complete);
  if (lines.size() > n) {
    lines.erase(lines.begin(), lines.end() - static_cast<std::ptrdiff_t>(n));
  }
  tail.lines = std::move(lines);
  return tail;
}

Result<std::vector<std::string>, std::string> last_lines(const std::filesystem::path& file,
                                                         std::size_t n) {
  if (file.extension() == ".gz") {
    return last_lines_gz(file, n);
  }
  int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return fail("cannot open " + file.string() + ": " + std::strerror(errno));
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    return fail("cannot stat " + file.string() + ": " + std::strerror(err));
  }
  auto tail = read_tail(fd, static_cast<std::uint64_t>(st.st_size), n);
  ::close(fd);
  if (!tail) {
    return fail(file.string() + ": " + tail.error());
  }
  std::vector<std::string> lines = std::move(tail->lines);
  if (!tail->partial.empty()) {
    lines.push_back(tail->partial);
    if (lines.size() > n) {
      lines.erase(lines.begin());
    }
  }
  return lines;
}

}  // namespace ccproxy::logging
