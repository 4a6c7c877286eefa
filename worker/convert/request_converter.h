#pragma once
// The request converter behind to_openai_request and to_passthrough_request.

#include <string>
#include <string_view>

#include "worker/convert/convert.h"

namespace ccproxy::convert::detail {

/// Validates and converts an Anthropic request. With `for_passthrough`, content the OpenAI
/// format cannot carry (PDF documents, file sources) is not an error: the Anthropic upstream
/// takes it as is. When the body had to be repaired to parse (invalid UTF-8, lone surrogate
/// escapes), the repaired text is stored in `*repaired_body` (left empty otherwise).
Result<ConvertedRequest, ApiError> convert_request(std::string_view body,
                                                  const RequestOptions& options,
                                                  bool for_passthrough,
                                                  std::string* repaired_body = nullptr);

}  // namespace ccproxy::convert::detail
