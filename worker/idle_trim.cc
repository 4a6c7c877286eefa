#include "worker/idle_trim.h"

#include <fcntl.h>
#include <malloc.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <string>

namespace ccproxy::worker {
namespace {

// The next line of `text` from `pos` (without its newline); pos moves past it.
std::string_view next_line(std::string_view text, std::size_t& pos) {
  const std::size_t start = pos;
  std::size_t end = text.find('\n', start);
  if (end == std::string_view::npos) {
    end = text.size();
    pos = end;
  } else {
    pos = end + 1;
  }
  return text.substr(start, end - start);
}

std::string_view next_field(std::string_view& line) {
  std::size_t start = line.find_first_not_of(' ');
  if (start == std::string_view::npos) {
    line = {};
    return {};
  }
  std::size_t end = line.find(' ', start);
  if (end == std::string_view::npos) {
    end = line.size();
  }
  std::string_view field = line.substr(start, end - start);
  line.remove_prefix(end);
  return field;
}

bool parse_hex(std::string_view s, std::uintptr_t& out) {
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out, 16);
  return ec == std::errc() && ptr == s.data() + s.size();
}

// A mapping's header line: "begin-end perms offset dev inode [path]". Its range when it maps a
// file privately and read-only.
bool private_readonly_file(std::string_view line, PageRange& range) {
  const std::string_view addresses = next_field(line);
  const std::string_view perms = next_field(line);
  next_field(line);  // offset
  next_field(line);  // device
  const std::string_view inode = next_field(line);
  const std::size_t path = line.find_first_not_of(' ');
  const std::size_t dash = addresses.find('-');
  if (dash == std::string_view::npos || perms.size() != 4 || inode.empty()) {
    return false;
  }
  if (!parse_hex(addresses.substr(0, dash), range.begin) ||
      !parse_hex(addresses.substr(dash + 1), range.end) || range.end <= range.begin) {
    return false;
  }
  // Not writable, private (not 's'), backed by a file (an inode and an absolute path; special
  // mappings such as [vdso] have neither).
  return perms[1] == '-' && perms[3] == 'p' && inode != "0" && path != std::string_view::npos &&
         line[path] == '/';
}

// "Name:   123 kB" -> 123 when the line is that field with a number (else kb is untouched).
bool field_kb(std::string_view line, std::string_view name, std::size_t& kb) {
  if (line.size() <= name.size() || line.substr(0, name.size()) != name ||
      line[name.size()] != ':') {
    return false;
  }
  line.remove_prefix(name.size() + 1);
  const std::string_view number = next_field(line);
  std::size_t value = 0;
  auto [ptr, ec] = std::from_chars(number.data(), number.data() + number.size(), value);
  if (ec != std::errc() || number.empty()) {
    return false;
  }
  kb = value;
  return true;
}

std::string read_proc_file(const char* path) {
  std::string text;
  const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return text;
  }
  char chunk[16384];
  for (;;) {
    const ssize_t n = ::read(fd, chunk, sizeof chunk);
    if (n > 0) {
      text.append(chunk, static_cast<std::size_t>(n));
    } else if (n == 0 || errno != EINTR) {
      break;
    }
  }
  ::close(fd);
  return text;
}

}  // namespace

std::vector<PageRange> droppable_file_ranges(std::string_view smaps) {
  std::vector<PageRange> ranges;
  // The mapping being read: its range, whether it qualifies so far, and its counters.
  PageRange current;
  bool candidate = false;
  // Counters not (yet) read count as "has pages of its own" and "locked": keep the mapping.
  std::size_t rss = 0;
  std::size_t anonymous = 1;
  std::size_t locked = 1;
  auto finish = [&] {
    if (candidate && rss > 0 && anonymous == 0 && locked == 0) {
      current.resident_bytes = rss * 1024;
      ranges.push_back(current);
    }
    candidate = false;
  };
  std::size_t pos = 0;
  while (pos < smaps.size()) {
    const std::string_view line = next_line(smaps, pos);
    if (line.empty()) {
      continue;
    }
    // Field lines start with a capitalised name ("Rss:", "VmFlags:"); header lines with an
    // address in lower-case hex.
    const char first = line.front();
    if ((first >= '0' && first <= '9') || (first >= 'a' && first <= 'f')) {
      finish();
      PageRange range;
      candidate = private_readonly_file(line, range);
      current = range;
      rss = 0;
      anonymous = 1;
      locked = 1;
      continue;
    }
    std::size_t kb = 0;
    if (field_kb(line, "Rss", kb)) {
      rss = kb;
    } else if (field_kb(line, "Anonymous", kb)) {
      anonymous = kb;
    } else if (field_kb(line, "Locked", kb)) {
      locked = kb;
    }
  }
  finish();
  return ranges;
}

TrimResult trim_idle_memory() {
  ::malloc_trim(0);
  TrimResult result;
  const std::string smaps = read_proc_file("/proc/self/smaps");
  if (smaps.empty()) {
    return result;
  }
  result.smaps_read = true;
  for (const PageRange& r : droppable_file_ranges(smaps)) {
    // Only pages that are not the process's own: a mapping with a private copy of any page
    // was left out above, so nothing written is lost here.
    if (::madvise(reinterpret_cast<void*>(r.begin), r.end - r.begin, MADV_DONTNEED) == 0) {
      ++result.mappings;
      result.file_bytes += r.resident_bytes;
    }
  }
  return result;
}

}  // namespace ccproxy::worker
