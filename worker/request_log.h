#pragma once
// What the worker may write about a request: secrets are replaced before anything is logged.

#include <string>
#include <string_view>
#include <vector>

namespace ccproxy::worker {

/// `text` with every occurrence of each non-empty secret replaced by its redacted hint
/// (common/secret.h), e.g. for DEBUG body dumps.
std::string redact_secrets(std::string_view text, const std::vector<std::string_view>& secrets);

/// A header line for DEBUG logs: credentials (x-api-key, authorization, proxy-authorization,
/// cookie) are shown redacted, everything else as is.
std::string loggable_header(std::string_view name, std::string_view value);

/// "req_" + 24 random hex digits; "msg_" + 24 random base62 characters.
std::string new_request_id();
std::string new_message_id();

}  // namespace ccproxy::worker
