#pragma once
// LogFollower follows one log file by name, like `tail -F`: through rotations (the rest of the
// old file is read before switching to the new one, so nothing is lost), through truncation
// (reading restarts at the beginning), and for a file that does not exist yet. It polls: the
// caller decides how often. After a rotation the old file is read once more on the next poll,
// for a line that a writer still had in flight. Limit: when the file is rotated twice between
// two polls, the file in the middle is not seen (as with tail -F).

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

  std::filesystem::path path_;
  Source current_;
  Source previous_;  // the file before the last rotation, read once more
  std::vector<std::string> events_;
};

}  // namespace ccproxy::logging
