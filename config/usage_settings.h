#pragma once
// The usage ledger's fleet-wide settings ([usage] in ccproxy.toml).

namespace ccproxy::config {

struct UsageSettings {
  bool enabled = true;      // workers record every request in the home's usage.db
  int retention_days = 90;  // rows older than this are removed; 0 keeps them forever
};

}  // namespace ccproxy::config
