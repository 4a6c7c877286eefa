// convert_bench [fixture.json] [iterations]: measures the conversion core on the realistic
// Claude Code request and on a synthetic provider stream, and prints the figures.

#include <time.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "worker/convert/convert.h"
#include "worker/convert/providers/carry.h"

namespace {

using Clock = std::chrono::steady_clock;
using ccproxy::convert::ApiError;

std::string read_file(const char* path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

double thread_cpu_us() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return double(ts.tv_sec) * 1e6 + double(ts.tv_nsec) / 1e3;
}

double g_last_wall_us = 0;

// Returns CPU time per iteration (this thread only, so other load on the machine does not
// count); the wall-clock figure is kept in g_last_wall_us.
template <typename F>
double time_us(int iterations, F&& f) {
  for (int i = 0; i < iterations / 10 + 1; ++i) {
    f();  // warm up caches and the per-thread parsers
  }
  const auto start = Clock::now();
  const double cpu_start = thread_cpu_us();
  for (int i = 0; i < iterations; ++i) {
    f();
  }
  const double cpu = thread_cpu_us() - cpu_start;
  const std::chrono::duration<double, std::micro> elapsed = Clock::now() - start;
  g_last_wall_us = elapsed.count() / iterations;
  return cpu / iterations;
}

std::string chunk(const nlohmann::json& delta, const char* finish = nullptr) {
  nlohmann::json c = {{"id", "chatcmpl-bench"},
                      {"object", "chat.completion.chunk"},
                      {"created", 1700000000},
                      {"model", "glm-4.6"},
                      {"choices",
                       {{{"index", 0},
                         {"delta", delta},
                         {"finish_reason", finish ? nlohmann::json(finish) : nlohmann::json()}}}}};
  return "data: " + c.dump() + "\n\n";
}

// A stream like a real turn: reasoning, text, one tool call streamed in small pieces.
std::vector<std::string> make_stream() {
  std::vector<std::string> chunks;
  chunks.push_back(chunk({{"role", "assistant"}, {"content", ""}}));
  for (int i = 0; i < 200; ++i) {
    chunks.push_back(chunk({{"reasoning_content", "thinking about step " + std::to_string(i)}}));
  }
  for (int i = 0; i < 400; ++i) {
    chunks.push_back(chunk({{"content", "Some answer text, token " + std::to_string(i) + ". "}}));
  }
  chunks.push_back(chunk({{"tool_calls",
                           {{{"index", 0},
                             {"id", "call_bench"},
                             {"type", "function"},
                             {"function", {{"name", "Write"}, {"arguments", ""}}}}}}}));
  chunks.push_back(chunk(
      {{"tool_calls",
        {{{"index", 0}, {"function", {{"arguments", "{\"file_path\":\"/a\",\"content\":\""}}}}}}}));
  for (int i = 0; i < 400; ++i) {
    chunks.push_back(chunk(
        {{"tool_calls",
          {{{"index", 0}, {"function", {{"arguments", "line " + std::to_string(i) + "\\n"}}}}}}}));
  }
  chunks.push_back(chunk({{"tool_calls", {{{"index", 0}, {"function", {{"arguments", "\"}"}}}}}}}));
  chunks.push_back(chunk(nlohmann::json::object(), "tool_calls"));
  chunks.push_back(
      "data: {\"id\":\"chatcmpl-bench\",\"choices\":[],\"usage\":{\"prompt_tokens\":20000,"
      "\"completion_tokens\":900}}\n\n");
  chunks.push_back("data: [DONE]\n\n");
  return chunks;
}

// The fixture grown into a long session: 150 tool round trips (assistant text + tool_use,
// user tool_result of a few lines) before the fixture's last message, as after an hour of work.
std::string make_long_session(const std::string& fixture) {
  nlohmann::json body = nlohmann::json::parse(fixture);
  nlohmann::json messages = nlohmann::json::array();
  messages.push_back(body["messages"][0]);
  for (int i = 0; i < 150; ++i) {
    const std::string id = "toolu_" + std::to_string(1000 + i);
    messages.push_back(
        {{"role", "assistant"},
         {"content",
          {{{"type", "text"}, {"text", "Let me check file " + std::to_string(i) + "."}},
           {{"type", "tool_use"},
            {"id", id},
            {"name", "Read"},
            {"input",
             {{"file_path", "/repo/src/file_" + std::to_string(i) + ".cc"}, {"limit", 200}}}}}}});
    std::string result;
    for (int line = 0; line < 5; ++line) {
      result +=
          "line " + std::to_string(line) + " of the file: int x = \"" + std::to_string(i) + "\";\n";
    }
    messages.push_back(
        {{"role", "user"},
         {"content", {{{"type", "tool_result"}, {"tool_use_id", id}, {"content", result}}}}});
  }
  messages.push_back(body["messages"].back());
  body["messages"] = messages;
  return body.dump();
}

}  // namespace

int main(int argc, char** argv) {
  const char* path = argc > 1 ? argv[1] : CCPROXY_FIXTURE;
  const int iterations = argc > 2 ? std::atoi(argv[2]) : 2000;
  const std::string body = read_file(path);
  if (body.empty()) {
    std::fprintf(stderr, "cannot read %s\n", path);
    return 1;
  }
  ccproxy::worker::ModelMap models = [] {
    ccproxy::worker::ModelMap m;
    m.big = "glm-4.6";
    m.middle = "glm-4.5";
    m.small = "glm-4.5-air";
    return m;
  }();
  ccproxy::convert::RequestOptions options;
  options.models = &models;
  options.max_tokens = {0, 32000};

  auto probe = ccproxy::convert::to_openai_request(body, options);
  if (!probe.ok()) {
    std::fprintf(stderr, "conversion failed: %s\n", probe.error().message.c_str());
    return 1;
  }
  const double mb = double(body.size()) / 1e6;
  std::printf("fixture: %s (%zu bytes), %d iterations; figures are thread CPU time\n", path,
              body.size(), iterations);

  size_t sink = 0;
  const double request_us = time_us(iterations, [&] {
    auto r = ccproxy::convert::to_openai_request(body, options);
    sink += r->body.size();
  });
  std::printf("to_openai_request:      %8.1f us/request  %7.0f MB/s  (wall %.1f us)\n", request_us,
              mb / (request_us / 1e6), g_last_wall_us);

  // One row per provider's rules, each with its tool list cached (the first call converts it).
  static constexpr ccproxy::worker::Provider kProviders[] = {
      ccproxy::worker::Provider::generic,  ccproxy::worker::Provider::openai,
      ccproxy::worker::Provider::gemini,   ccproxy::worker::Provider::kimi,
      ccproxy::worker::Provider::deepseek, ccproxy::worker::Provider::minimax,
      ccproxy::worker::Provider::glm};
  for (const ccproxy::worker::Provider provider : kProviders) {
    ccproxy::convert::RequestOptions per = options;
    per.provider_of = [provider](std::string_view) { return provider; };
    auto first = ccproxy::convert::to_openai_request(body, per);
    if (!first.ok()) {
      std::fprintf(stderr, "conversion failed: %s\n", first.error().message.c_str());
      return 1;
    }
    const double us = time_us(iterations, [&] {
      auto r = ccproxy::convert::to_openai_request(body, per);
      sink += r->body.size();
    });
    std::printf(
        "to_openai_request, %-8s %8.1f us/request  (wall %.1f us)\n",
        std::string(ccproxy::convert::providers::provider_name(provider)).append(":").c_str(), us,
        g_last_wall_us);
  }

  // The routing rules on (vision, long and think tiers set). With long_context_tokens at
  // 120,000 the fixture is too small for the estimate to be needed (its bound is below); at
  // 1,000 the estimate runs on every request: the cost the rules add when it must be made.
  ccproxy::worker::ModelMap routed = models;
  routed.vision = "google/gemini-2.5-flash";
  routed.long_context = "google/gemini-2.5-pro";
  routed.think = "moonshotai/kimi-k2-thinking";
  const std::string session = make_long_session(body);
  for (const int64_t threshold : {int64_t(120'000), int64_t(1'000)}) {
    ccproxy::worker::RoutingSettings settings;
    settings.long_context_tokens = threshold;
    ccproxy::convert::RequestOptions per = options;
    per.models = &routed;
    per.routing = &settings;
    const double routed_us = time_us(iterations, [&] {
      auto r = ccproxy::convert::to_openai_request(body, per);
      sink += r->body.size();
    });
    const double routed_session_us = time_us(iterations / 2 + 1, [&] {
      auto r = ccproxy::convert::to_openai_request(session, per);
      sink += r->body.size();
    });
    std::printf(
        "to_openai_request, routing rules on, long_context_tokens %6lld: %8.1f us/request; "
        "long session %8.1f us\n",
        static_cast<long long>(threshold), routed_us, routed_session_us);
  }

  const double session_us = time_us(iterations / 2 + 1, [&] {
    auto r = ccproxy::convert::to_openai_request(session, options);
    sink += r->body.size();
  });
  std::printf(
      "to_openai_request, long session (%zu bytes, 302 messages): %8.1f us/request  %7.0f MB/s\n",
      session.size(), session_us, double(session.size()) / 1e6 / (session_us / 1e6));

  const double passthrough_us = time_us(iterations, [&] {
    auto r = ccproxy::convert::to_passthrough_request(body, options);
    sink += r->body.size();
  });
  std::printf("to_passthrough_request: %8.1f us/request  %7.0f MB/s  (wall %.1f us)\n",
              passthrough_us, mb / (passthrough_us / 1e6), g_last_wall_us);

  const double count_us = time_us(iterations, [&] {
    auto r = ccproxy::convert::count_tokens(body);
    sink += size_t(*r);
  });
  std::printf("count_tokens:           %8.1f us/request  (estimate %lld tokens)\n", count_us,
              static_cast<long long>(*ccproxy::convert::count_tokens(body)));

  const double nlohmann_us =
      time_us(iterations / 10 + 1, [&] { sink += nlohmann::json::parse(body).dump().size(); });
  std::printf("reference nlohmann parse+dump: %8.1f us/request\n", nlohmann_us);

  // Whole response: a tool-calling answer.
  const std::string response =
      R"({"id":"c","choices":[{"index":0,"message":{"role":"assistant","reasoning_content":"Plan the edit.",)"
      R"("content":"I will write the file.","tool_calls":[{"id":"call_1","type":"function","function":)"
      R"({"name":"Write","arguments":"{\"file_path\":\"/tmp/a.txt\",\"content\":\"hello\\nworld\"}"}}]},)"
      R"("finish_reason":"tool_calls"}],"usage":{"prompt_tokens":20000,"completion_tokens":50,)"
      R"("prompt_tokens_details":{"cached_tokens":18000}}})";
  ccproxy::convert::ResponseContext context{"msg_bench", "claude-opus-4-8",
                                            ccproxy::worker::Provider::generic, "glm-4.6"};
  const double response_us = time_us(iterations * 10, [&] {
    auto r = ccproxy::convert::to_anthropic_response(response, context);
    sink += r->body.size();
  });
  std::printf("to_anthropic_response:  %8.2f us/response (%zu bytes)\n", response_us,
              response.size());

  // Streaming: feed one upstream event at a time, as the network delivers them.
  const auto chunks = make_stream();
  size_t stream_bytes = 0;
  for (const auto& c : chunks) {
    stream_bytes += c.size();
  }
  const int stream_rounds = iterations / 20 + 1;
  std::string out;
  out.reserve(1 << 20);
  const double stream_us = time_us(stream_rounds, [&] {
    ccproxy::convert::StreamTranslator translator(context);
    out.clear();
    for (const auto& c : chunks) {
      translator.feed(c, out);
    }
    translator.finish(out);
    sink += out.size();
  });
  const double per_chunk = stream_us / double(chunks.size());
  std::printf(
      "StreamTranslator:       %8.3f us/chunk    %7.0f MB/s  (%zu chunks, %zu bytes; wall %.3f "
      "us/chunk)\n",
      per_chunk, double(stream_bytes) / 1e6 / (stream_us / 1e6), chunks.size(), stream_bytes,
      g_last_wall_us / double(chunks.size()));
  // A whole upstream stream in one read, as a worker gets a fast provider's answer (e.g. the
  // benchmark's 50-chunk stream: tests/bench/upstream_fixtures.py).
  if (const char* sse_path = std::getenv("CCPROXY_BENCH_SSE")) {
    const std::string sse = read_file(sse_path);
    const double whole_us = time_us(iterations * 5, [&] {
      ccproxy::convert::StreamTranslator translator(context);
      out.clear();
      translator.feed(sse, out);
      translator.finish(out);
      sink += out.size();
    });
    std::printf("StreamTranslator, %s in one piece: %8.2f us/stream (%zu bytes in, %zu out)\n",
                sse_path, whole_us, sse.size(), out.size());
  }
  std::printf("(sink %zu)\n", sink);
  return 0;
}
