#pragma once
// LogFollower follows one log file by name, like `tail -F`: through rotations (the rest of the
// old file is read before switching to the new one, so nothing is lost), through truncation
// (reading restarts at the beginning), and for a file that does not exist yet. It polls: the
// caller decides how often. After a rotation the old file is read once more on the next poll,
// for a line that a writer still had in flight.
//
// When the file was rotated more than once between two polls, the archives in between
// (<stem>.log.<stamp>, see archive_name.h) are read whole in the order of their names, from the
// .gz when one was compressed meanwhile; one that vanishes before it is read is named in an
// event, never skipped silently. This needs the old file among the archives (by its inode, or by
// its exact mtime once compressed); a log rotated by another tool under other names is followed
// like tail -F.

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace ccproxy::logging {

class LogFollower {
 public:
  explicit LogFollower(std::filesystem::path path);
  ~LogFollower();
  LogFollower(const LogFollower&) = delete;
  LogFollower& operator=(const LogFollower&) = delete;

  /// Opens the file if it exists and returns its last `n` complete lines; following starts
  /// right after them (a line still being written is returned by poll once complete).
  std::vector<std::string> start(std::size_t n);

  /// Complete lines written since the last call.
  std::vector<std::string> poll();

  /// Things a person following should know ("file truncated"), each returned once.
  std::vector<std::string> take_events();

  const std::filesystem::path& path() const { return path_; }

 private:
  struct Source {
    int fd = -1;
    dev_t dev = 0;
    ino_t ino = 0;
    std::uint64_t offset = 0;
    std::string partial;
  };
  void read_available(Source* src, std::vector<std::string>* out);
  static void flush_partial(Source* src, std::vector<std::string>* out);
  static void close_source(Source* src);
  bool open_current();
  void read_archives_between(const Source& old, const Source* next, std::vector<std::string>* out);

  std::filesystem::path path_;
  Source current_;
  Source previous_;  // the file before the last rotation, read once more
  std::vector<std::string> events_;
};

}  // namespace ccproxy::logging
