#pragma once
// Readers for the kinds of profile values several tables share: enums, secrets, model names.
// Each records its problem through the TableReader and returns nullopt for a wrong value.

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "config/table_reader.h"
#include "worker/worker_config.h"

namespace ccproxy::config {

bool has_control_chars(std::string_view s);

/// A string that must be one of `choices`; the value is quoted (enums are never secrets).
std::optional<std::string> read_enum(TableReader& r, std::string_view key,
                                     std::initializer_list<std::string_view> choices);

/// A secret: no line breaks or control characters (it ends up in a header). Never quoted.
std::optional<std::string> read_secret(TableReader& r, std::string_view key);

/// A model name: not empty, no control characters.
std::optional<std::string> read_model(TableReader& r, std::string_view key);

/// connect_s, first_byte_s, idle_s (and with `total`, total_s) of a [timeouts] table: seconds,
/// more than 0, at most a day.
void read_timeout_values(TableReader& timeouts, worker::Timeouts& out, bool total);

}  // namespace ccproxy::config
