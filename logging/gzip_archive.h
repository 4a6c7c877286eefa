#pragma once
// Compression of one archived log, crash-safe: <archive>.gz.tmp is written and fsynced, renamed
// to <archive>.gz, and only then is the plain archive unlinked. A crash at any point leaves the
// plain archive, or the complete .gz (possibly beside the plain one, which retention then
// removes as a duplicate). The .gz keeps the plain file's mtime, which is the archive's age.

#include <atomic>
#include <filesystem>
#include <string>

#include "common/result.h"

namespace ccproxy::logging {

/// Compresses `archive` (a plain file) to archive + ".gz". An archive that vanished meanwhile
/// (retention removed it) is not an error. When *cancel becomes true the work stops, the
/// temporary file is removed and the plain archive stays.
Result<void, std::string> compress_archive(const std::filesystem::path& archive,
                                           const std::atomic<bool>* cancel = nullptr);

}  // namespace ccproxy::logging
