// Fuzz target: OpenAI chat-completion chunks -> Anthropic stream (convert::StreamTranslator).
//
// Structure-aware input: byte 0 holds flags; the rest is split at 0xFF into segments. Each
// segment's first byte picks a chunk template (content, reasoning, tool-call pieces, finish,
// usage, [DONE], provider errors, keep-alives) that the rest of the segment is spliced into,
// or passes the bytes through raw; so the fuzzer mutates both realistic chunk sequences and
// arbitrary SSE bytes. Strings are escaped minimally and keep invalid UTF-8 as it is.
//
// Invariants (abort on violation): the output is a well-formed Anthropic event stream as
// tests/convert/anthropic_stream_checker defines it (valid JSON of a known type, one
// message_start first — or a lone error event —, block indices from 0 in order, every started
// block stopped, at most one message_stop, nothing after message_stop or error, and a stream
// that stops normally has every tool_use input parse as a JSON object); finish()
// always ends it with message_stop or an error event; nothing is emitted after that; and the
// output does not depend on how the upstream bytes were split.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "anthropic_stream_checker.h"
#include "fuzz_check.h"
#include "worker/convert/convert.h"

namespace {

using ccproxy::convert::ApiError;
using ccproxy::convert::ResponseContext;
using ccproxy::convert::StreamTranslator;

// A JSON string literal for `s`: quotes, backslashes and control bytes escaped, every other
// byte (invalid UTF-8 included) kept as it is.
std::string quote(std::string_view s) {
  static const char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(char(c));
    } else if (c < 0x20) {
      out += "\\u00";
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    } else {
      out.push_back(char(c));
    }
  }
  out.push_back('"');
  return out;
}

std::string chunk(const std::string& delta, const std::string& finish = "null") {
  return "data: {\"id\":\"chatcmpl-f\",\"object\":\"chat.completion.chunk\",\"choices\":[{"
         "\"index\":0,\"delta\":" +
         delta + ",\"finish_reason\":" + finish + "}]}\n\n";
}

std::string tool_call(std::string_view p, bool with_index, bool with_head) {
  const int index = p.empty() ? 0 : (unsigned char)p[0] % 4;
  const int variant = p.size() < 2 ? 0 : (unsigned char)p[1] % 3;
  std::string_view args = p.size() > 2 ? p.substr(2) : std::string_view();
  static const char* kNames[] = {"Read", "Bash", "", "mcp__server__tool"};
  std::string call = "{";
  if (with_index) {
    call += "\"index\":" + std::to_string(index) + ",";
  }
  if (with_head) {
    call += "\"id\":\"call_" + std::to_string(index) + "_" + std::to_string(variant) +
            "\",\"type\":\"function\",\"function\":{\"name\":\"" + kNames[(index + variant) % 4] +
            "\",\"arguments\":" + quote(args) + "}}";
  } else {
    call += "\"function\":{\"arguments\":" + quote(args) + "}}";
  }
  return chunk("{\"tool_calls\":[" + call + "]}");
}

std::string segment_bytes(unsigned char kind, std::string_view p) {
  static const char* kFinish[] = {"\"stop\"", "\"length\"", "\"tool_calls\"", "\"content_filter\""};
  switch (kind % 16) {
    case 0:
      return chunk("{\"content\":" + quote(p) + "}");
    case 1:
      return chunk("{\"reasoning_content\":" + quote(p) + "}");
    case 2:
      return tool_call(p, true, true);
    case 3:
      return tool_call(p, true, false);
    case 4: {
      const int pick = p.empty() ? 0 : (unsigned char)p[0] % 5;
      return chunk("{}", pick == 4 ? quote(p.substr(1)) : kFinish[pick]);
    }
    case 5:
      return "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":" + std::to_string(p.size() * 7) +
             ",\"completion_tokens\":" + std::to_string(p.size()) +
             ",\"prompt_tokens_details\":{\"cached_tokens\":" + std::to_string(p.size() / 2) +
             "}}}\n\n";
    case 6:
      return "data: [DONE]\n\n";
    case 7:
      return "data: {\"error\":{\"message\":" + quote(p) + ",\"type\":\"server_error\"}}\n\n";
    case 8:
      return "event: error\ndata: " + std::string(p) + "\n\n";
    case 9:
      return ": keep-alive\n\n";
    case 10:
      return "data: " + std::string(p) + "\n\n";
    case 11:
      return std::string(p);  // arbitrary SSE bytes
    case 12:
      return chunk("{\"content\":" + quote(p) + "}", "\"stop\"");
    case 13:
      return tool_call(p, false, true);
    case 14:
      return chunk("{\"reasoning\":" + quote(p) + "}");
    default:
      return chunk(std::string(p));  // a mutated delta object
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) {
    return 0;
  }
  const uint8_t flags = data[0];
  const std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);

  // The upstream bytes, as the segments they arrived in.
  std::vector<std::string> segments;
  std::string whole;
  for (std::size_t pos = 0; pos <= input.size();) {
    std::size_t end = input.find('\xff', pos);
    if (end == std::string_view::npos) {
      end = input.size();
    }
    const std::string_view seg = input.substr(pos, end - pos);
    if (!seg.empty()) {
      segments.push_back(segment_bytes((unsigned char)seg[0], seg.substr(1)));
      whole += segments.back();
    }
    pos = end + 1;
  }

  // The provider decides what thinking signatures and tool ids carry (Gemini: thought
  // signatures in tool ids); every split must still give the same events.
  const ResponseContext context{
      "msg_fuzz01", "claude-sonnet-4-5",
      (flags & 16) != 0 ? ccproxy::worker::Provider::gemini : ccproxy::worker::Provider::kimi,
      "provider/model"};
  const int end_mode = flags & 3;
  auto run = [&](const std::vector<std::string_view>& pieces) {
    StreamTranslator translator(context);
    std::string out;
    for (std::string_view piece : pieces) {
      translator.feed(piece, out);
    }
    if (end_mode == 2) {
      translator.fail(ApiError{504, "api_error", "upstream idle timeout"}, out);
    }
    translator.finish(out);
    FUZZ_CHECK(translator.finished(), "finish() left the stream open\n" + out);
    const std::size_t ended_size = out.size();
    // Anything after the end is ignored.
    translator.feed("data: {\"choices\":[{\"delta\":{\"content\":\"late\"}}]}\n\n", out);
    translator.finish(out);
    translator.fail(ApiError{502, "api_error", "late"}, out);
    FUZZ_CHECK(out.size() == ended_size, "output after the end\n" + out);
    return out;
  };

  std::vector<std::string_view> pieces;
  for (const std::string& s : segments) {
    if ((flags & 4) && s.size() > 1) {
      const std::size_t cut = 1 + (s.size() * 7 + flags) % (s.size() - 1);
      pieces.push_back(std::string_view(s).substr(0, cut));
      pieces.push_back(std::string_view(s).substr(cut));
    } else {
      pieces.push_back(s);
    }
  }
  const std::string out = run(pieces);

  ccproxy::convert::testing::StreamSummary summary;
  const std::string problem = ccproxy::convert::testing::check_anthropic_stream(out, summary);
  FUZZ_CHECK(problem.empty(), problem + "\n--- output:\n" + out);
  FUZZ_CHECK(summary.message_stopped || summary.errored,
             "the stream ends without message_stop or error\n" + out);
  FUZZ_CHECK(summary.message_started || (summary.errored && summary.event_types.size() == 1),
             "no message_start and not a lone error\n" + out);

  // The same bytes in one piece give the same events.
  if (flags & 8) {
    FUZZ_CHECK(run({whole}) == out, "output depends on how the upstream bytes were split");
  }
  return 0;
}
