#pragma once
// ccproxy.toml's fleet-wide tables: [logs] -> LogSettings, [supervisor] -> SupervisorSettings,
// [usage] -> UsageSettings.

#include <toml++/toml.h>

#include "config/log_settings.h"
#include "config/supervisor_settings.h"
#include "config/table_reader.h"
#include "config/usage_settings.h"

namespace ccproxy::config {

/// Reads the whole ccproxy.toml except [defaults] (which profiles read as their lower layer);
/// also rejects unknown top-level tables and a `port` in [defaults].
void read_fleet_settings(ReadContext& ctx, const toml::table& doc, LogSettings& logs,
                         SupervisorSettings& supervisor, UsageSettings& usage);

}  // namespace ccproxy::config
