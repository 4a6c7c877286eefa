#pragma once
// An upstream's provider settings (in [upstream], each [[upstreams]] entry and
// [defaults.upstream]): `provider`, `reasoning`, `forward_betas`.

#include "config/table_reader.h"
#include "worker/worker_config.h"

namespace ccproxy::config {

/// Reads provider, reasoning and forward_betas into `out`; problems go to the reader.
void read_provider_settings(TableReader& upstream, worker::UpstreamConfig& out);

}  // namespace ccproxy::config
