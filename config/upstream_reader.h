#pragma once
// The provider side of a profile: `[[upstreams]]` (a pool, tried in order or spread by
// `[balance]`) or the single `[upstream]` with `[models]` (a pool of one named after the host
// of its base_url), each upstream with its keys, models, headers and timeouts.

#include "config/home.h"
#include "config/table_reader.h"
#include "worker/worker_config.h"

namespace ccproxy::config {

/// Reads the upstreams and `[balance]` into `w` (whose `timeouts` are already read: each
/// upstream starts from them). `root` is the profile over `[defaults]`.
void read_upstreams(TableReader& root, const Home& home, worker::WorkerConfig& w);

/// The name a single `[upstream]` gets: the host (and port, when given) of its base_url.
std::string host_name_of(std::string_view base_url);

}  // namespace ccproxy::config
