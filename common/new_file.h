#pragma once
// Creating a file that is ours alone, at a name someone else could have guessed (temp files
// beside their target, written then renamed into place).

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace ccproxy {

/// Removes whatever is at `path` (a leftover of a crashed run, or a symbolic link planted there)
/// and creates a new regular file for writing (O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC), so
/// nothing is ever written through a link; one planted again in between makes the call fail.
/// Returns the descriptor, or -1 with errno set.
int create_new_file(const std::filesystem::path& path, mode_t mode);

/// What write_file_via_temp returns when `target` exists and `replace` is false.
inline constexpr std::string_view kFileExists = "exists";

/// Writes `text` to `target` through a temp file in the same directory (created with
/// create_new_file, chmodded to `mode`, fsynced). Without `replace` an existing target is never
/// replaced, even one that appears while we write (link() fails then): the answer is
/// kFileExists. With `replace` the target is replaced atomically (rename). nullopt on success,
/// else what went wrong.
std::optional<std::string> write_file_via_temp(const std::filesystem::path& target,
                                               std::string_view text, bool replace, mode_t mode);
/// Replaces `path` with `text` atomically: a new temp file beside it (create_new_file), written
/// and fsynced, renamed over `path`, then the directory fsynced. A crash leaves the old file or
/// the new one, never a mix; on failure the temp file is removed and `path` is untouched.
Result<void> replace_file(const std::filesystem::path& path, const std::string& text, mode_t mode);

}  // namespace ccproxy
