#pragma once
// The conversion core: Anthropic Messages <-> OpenAI chat completions. Pure: bytes in, bytes
// out, no sockets, no clocks, no exceptions across this API.
//
// Reported model: every response (whole or streamed) reports the model name the client asked
// for, so Claude Code sees the name it sent; the provider model goes to logs and metrics.

#include "worker/convert/api_error.h"          // ApiError, error bodies and events
#include "worker/convert/count_tokens.h"       // count_tokens
#include "worker/convert/request.h"            // to_openai_request, to_passthrough_request
#include "worker/convert/response.h"           // to_anthropic_response
#include "worker/convert/stream_translator.h"  // StreamTranslator
#include "worker/convert/usage.h"              // Usage, anthropic_usage
