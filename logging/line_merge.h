#pragma once
// Interleaving the lines of several logs by their timestamps, for `ccproxy logs` over all
// workers. Each file's own order is kept (a k-way merge, not a sort); a line without a
// timestamp (a raw print) sorts with the line before it.

#include <cstddef>
#include <string>
#include <vector>

namespace ccproxy::logging {

struct SourcedLine {
  std::size_t source = 0;  // index of the file
  std::string text;
};

/// True when the line starts with "YYYY-mm-dd HH:MM:SS.mmm" (kLogPattern's timestamp).
bool has_log_timestamp(const std::string& line);

/// Merges per-source line lists (each in file order) by timestamp; ties go to the lower index.
std::vector<SourcedLine> merge_by_time(const std::vector<std::vector<std::string>>& sources);

}  // namespace ccproxy::logging
