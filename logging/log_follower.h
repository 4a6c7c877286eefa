#pragma once
// LogFollower follows one log file by name, like `tail -F`: through rotations (the rest of the
// old file is read before switching to the new one, so nothing is lost), through truncation
// (reading restarts at the beginning), and for a file that does not exist yet. It polls: the
// caller decides how often. After a rotation the old file is read once more on the next poll,
// for a line that a writer still had in flight.
//
// When the file was rotated more than once between two polls, the files in between are read
// whole, from their archives (<stem>.log.<stamp>, see archive_name.h), in the order of their
// names, from the .gz when one was compressed meanwhile. The follower remembers which archives
// it has accounted for; of those made since, the old file is told apart by its inode (or, once
// compressed, by the exact mtime its .gz keeps), and so is the new one if it is already archived
// too (the files after it wait for the next poll). When the old file is not among them (a log
// rotated by another tool, under other names), they are named in events, not printed: nothing
// is shown twice, and nothing is skipped silently.

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <tuple>
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
  // An archive's place in the order of rotations: (stamp, suffix) of its name.
  using ArchiveKey = std::tuple<std::string, int>;
  /// This log's archives in the directory now, by key; a compressed one by its plain name
  /// (the .gz adds ".gz"), which is the same key.
  std::map<ArchiveKey, std::filesystem::path> list_archives() const;
  /// seen_ = the archives there are now.
  void remember_archives();
  /// True when the archive `plain` (or its .gz) is the file `src` has open.
  static bool is_archive_of(const std::filesystem::path& plain, const Source& src);
  /// After a rotation: prints the archives made since the last listing that came between `old`
  /// and `next` (the file now open under the name, when there is one).
  void read_archives_between(const Source& old, const Source* next, std::vector<std::string>* out);

  std::filesystem::path path_;
  Source current_;
  Source previous_;  // the file before the last rotation, read once more
  std::vector<std::string> events_;
  std::set<ArchiveKey> seen_;  // the archives at the last listing, already accounted for
};

}  // namespace ccproxy::logging
