#pragma once
// Creating a file that is ours alone, at a name someone else could have guessed (temp files
// beside their target, written then renamed into place).

#include <sys/types.h>

#include <filesystem>

namespace ccproxy {

/// Removes whatever is at `path` (a leftover of a crashed run, or a symbolic link planted there)
/// and creates a new regular file for writing (O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC), so
/// nothing is ever written through a link; one planted again in between makes the call fail.
/// Returns the descriptor, or -1 with errno set.
int create_new_file(const std::filesystem::path& path, mode_t mode);

}  // namespace ccproxy
