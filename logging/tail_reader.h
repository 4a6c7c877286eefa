#pragma once
// The end of a log file: its last N complete lines, read backwards in blocks (a 50 MB log
// costs a few reads, not a scan).

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "common/result.h"

namespace ccproxy::logging {

struct Tail {
  std::vector<std::string> lines;  // the last complete lines, without their '\n'
  std::string partial;             // bytes after the last '\n' (a line still being written)
  std::uint64_t complete_end = 0;  // offset just after the last '\n'
};

/// The last `n` complete lines among the first `size` bytes of `fd` (read with pread).
Result<Tail, std::string> read_tail(int fd, std::uint64_t size, std::size_t n);

/// The last `n` lines of a file; a final line without '\n' counts as a line. A .gz file is
/// decompressed (streamed, keeping only n lines).
Result<std::vector<std::string>, std::string> last_lines(const std::filesystem::path& file,
                                                         std::size_t n);

}  // namespace ccproxy::logging
