#pragma once
// Names of archived logs: <stem>.log.<YYYYmmdd-HHMMSS>[-<n>][.gz]. The stem is a profile name or
// "ccproxy" ([A-Za-z0-9_-]+). Rotation creates these names and retention deletes only files that
// parse as one, so anything else in logs/ is never touched.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace ccproxy::logging {

struct ArchiveName {
  std::string stem;   // "glm"
  std::string stamp;  // "20261121-000000": local time of the rotation
  int suffix = 0;     // -1, -2... when a name with the same stamp already existed; 0: none
  bool gz = false;    // ".gz"
  bool tmp = false;   // ".gz.tmp": a compression in progress (or interrupted by a crash)
};

/// True for [A-Za-z0-9_-]+ (the names ccproxy gives its log files).
bool is_log_stem(std::string_view stem);

/// Parses a file name (not a path). ".gz.tmp" names are only recognised with allow_tmp.
std::optional<ArchiveName> parse_archive_name(std::string_view file_name, bool allow_tmp = false);

/// "YYYYmmdd-HHMMSS" in local time.
std::string archive_stamp(std::chrono::system_clock::time_point t);

/// "<stem>.log.<stamp>" or "<stem>.log.<stamp>-<suffix>" (no .gz).
std::string archive_file_name(std::string_view stem, std::string_view stamp, int suffix);

}  // namespace ccproxy::logging
