#pragma once
// The ledger file's schema: its version (PRAGMA user_version), the tables and the view, and
// the rewrite of an older version. ledger_db opens the file and calls ensure_schema.

struct sqlite3;

#include "common/result.h"

namespace ccproxy::usage {

/// The schema this build reads and writes. Version 1 (a text row per request, indexed on time
/// and session) is rewritten to it when opened.
inline constexpr int kSchemaVersion = 2;

/// Makes the file hold this build's schema: nothing when it does; created when empty and
/// `may_create`; rewritten from version 1, keeping every row. Once, by whichever process comes
/// first (an immediate transaction: a second one waits on the busy timeout, then finds it
/// done). Fails for a file without a ledger (unless `may_create`) or of a newer version.
Result<void> ensure_schema(sqlite3* db, bool may_create);

}  // namespace ccproxy::usage
