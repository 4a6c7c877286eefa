// Anthropic Messages request -> OpenAI chat-completions request. One simdjson DOM parse,
// then the output is written straight into a string (RequestConverter); nothing is re-parsed
// or re-dumped. A tool list converted before is written from the thread's ToolListCache.

#include "worker/convert/request.h"

#include <random>
#include <string>
#include <string_view>

#include "worker/convert/request_converter.h"
#include "worker/convert/tool_cache.h"

namespace ccproxy::convert {

static_assert(kInputPadding >= simdjson::SIMDJSON_PADDING);

namespace detail {
namespace {

// Large bodies get their own parser so the per-thread one stays small.
constexpr size_t kThreadParserLimit = 4u << 20;

std::string_view raw_of(std::string_view body, RawSpan span) {
  return body.substr(span.offset, span.length);
}

// The body copied with the padding simdjson reads past the end (and, on a tool-list hit, with
// the list cut out). Grows to the largest body seen, like the thread's parser, up to
// kIdleCapacity between requests (TrimAfterConversion).
std::string& thread_padded_buffer() {
  thread_local std::string buffer;
  return buffer;
}

// Declared first in a conversion: on the way out (the result already built), the thread's
// parser and buffer give back what a large body made them take.
struct TrimAfterConversion {
  ~TrimAfterConversion() { release_if_oversized(thread_padded_buffer()); }
  ThreadParserTrim parser;
};

// `["ccproxy-tools-<32 random hex digits>"]`, drawn once per thread.
std::string_view placeholder() {
  thread_local const std::string text = [] {
    std::random_device random;
    std::string t = "[\"ccproxy-tools-";
    static constexpr char kHex[] = "0123456789abcdef";
    for (int i = 0; i < 32; ++i) {
      t.push_back(kHex[random() & 0xf]);
    }
    t += "\"]";
    return t;
  }();
  return text;
}

// Parses the body with the stored list replaced by a placeholder no client can know. If the
// lite body parses and its top-level `tools` is that placeholder, the bytes replaced were
// exactly the top-level tool list (and not, say, a copy of it inside a message).
bool parse_without_tools(simdjson::dom::parser& parser, std::string_view body,
                         const CachedToolsAt& hit, element& root) {
  const std::string_view nonce = placeholder();
  std::string& lite = thread_padded_buffer();
  lite.reserve(body.size() - hit.length + nonce.size() + simdjson::SIMDJSON_PADDING);
  lite.assign(body.substr(0, hit.offset));
  lite.append(nonce);
  lite.append(body.substr(hit.offset + hit.length));
  element tools;
  std::string_view marker;
  return parser.parse(lite).get(root) == simdjson::SUCCESS && get_field(root, "tools", tools) &&
         is_array(tools) && simdjson::dom::array(tools).size() == 1 &&
         simdjson::dom::array(tools).at(0).get(marker) == simdjson::SUCCESS &&
         marker == nonce.substr(2, nonce.size() - 4);
}

// Stores the conversion of the body's tool list under its exact bytes. Where the list is
// takes a structural pass over the body (with simdjson's padding after it), so only requests
// that had a list get it.
void store_tool_list(std::string_view body, const RequestOptions& options,
                     worker::Provider provider,
                     const std::pair<std::string, size_t>& converted_tools, ToolListCache& cache) {
  const char* json = body.data();
  if (!options.body_padded) {
    std::string& padded = thread_padded_buffer();
    padded.reserve(body.size() + simdjson::SIMDJSON_PADDING);
    padded.assign(body);
    json = padded.data();
  }
  RawSpan span;
  if (find_top_level_tools(json, body.size(), span) &&
      ToolListCache::worth_caching(raw_of(body, span))) {
    const auto& [converted, written] = converted_tools;
    cache.put(raw_of(body, span), provider, converted, written);
  }
}

Result<ConvertedRequest, ApiError> run(RequestConverter& converter, element root) {
  ConvertedRequest result;
  if (!converter.convert(root, result)) {
    return fail(converter.take_error());
  }
  return result;
}

// A stored list's bytes converted afresh for another provider: stored too.
void store_for_provider(const CachedToolsAt& hit, const RequestConverter& converter,
                        const Result<ConvertedRequest, ApiError>& result, ToolListCache& cache) {
  if (result.ok() && converter.converted_tools()) {
    const std::string raw = hit.entry->raw;  // the entry may be the one evicted
    const auto& [converted, written] = *converter.converted_tools();
    cache.put(raw, result->provider, converted, written);
  }
}

}  // namespace

Result<ConvertedRequest, ApiError> convert_request(std::string_view body,
                                                   const RequestOptions& options,
                                                   bool for_passthrough,
                                                   std::string* repaired_body) {
  const TrimAfterConversion trim;
  simdjson::dom::parser local;
  simdjson::dom::parser& parser = body.size() <= kThreadParserLimit ? thread_parser() : local;
  // A tool list seen before: parse the body without it and write the stored conversion.
  // (Pass-through too, which only validates here: a stored list converted without repair, so
  // a hit needs none either. Its tool list converts the same in both modes.)
  ToolListCache& cache = thread_tool_cache();
  if (body.size() <= kThreadParserLimit && cache.size() > 0) {
    if (auto hit = find_cached_tools(body, cache)) {
      element root;
      if (parse_without_tools(parser, body, *hit, root)) {
        RequestConverter converter(options, body.size(), for_passthrough);
        converter.use_tools(hit->entry);
        auto result = run(converter, root);
        store_for_provider(*hit, converter, result, cache);
        return result;
      }
      // Not the top-level list, or the rest needs repair: the full path decides.
    }
  }
  std::string scratch;
  element root;
  if (auto error = parse_lenient(parser, body, scratch, root); error) {
    return fail(
        invalid(std::string("body: not valid JSON (") + simdjson::error_message(error) + ")"));
  }
  if (repaired_body != nullptr) {
    repaired_body->swap(scratch);  // parse_lenient fills it only when it repaired the body
  }
  RequestConverter converter(options, body.size(), for_passthrough);
  auto result = run(converter, root);
  if (result.ok() && scratch.empty() && body.size() <= kThreadParserLimit &&
      converter.converted_tools()) {
    store_tool_list(body, options, result->provider, *converter.converted_tools(),
                    cache);  // converted as sent
  }
  return result;
}

}  // namespace detail

Result<ConvertedRequest, ApiError> to_openai_request(std::string_view anthropic_body,
                                                     const RequestOptions& options) {
  return detail::convert_request(anthropic_body, options, false);
}

}  // namespace ccproxy::convert
