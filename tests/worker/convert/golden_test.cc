// Golden tests: every fixture under golden/<kind>/ is converted and compared with the
// expected output file next to it. Set CCPROXY_UPDATE_GOLDEN=1 to (re)write the expected
// files, then review the diff.

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "anthropic_stream_checker.h"
#include "golden_options.h"
#include "worker/convert/convert.h"

namespace ccproxy::convert {
namespace {

namespace fs = std::filesystem;
using nlohmann::ordered_json;

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool update_mode() {
  const char* v = std::getenv("CCPROXY_UPDATE_GOLDEN");
  return v != nullptr && std::string(v) == "1";
}

std::vector<fs::path> inputs(const std::string& kind, const std::string& suffix) {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(fs::path(CCPROXY_GOLDEN_DIR) / kind)) {
    const std::string name = entry.path().filename().string();
    if (name.size() > suffix.size() &&
        name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0) {
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

fs::path expected_path(const fs::path& input, const std::string& in_suffix,
                       const std::string& out_suffix) {
  std::string name = input.filename().string();
  name.replace(name.size() - in_suffix.size(), in_suffix.size(), out_suffix);
  return input.parent_path() / name;
}

std::string pretty(const std::string& json) {
  auto parsed = ordered_json::parse(json, nullptr, false);
  if (parsed.is_discarded()) {
    return "NOT JSON: " + json + "\n";
  }
  return parsed.dump(2, ' ', false, nlohmann::json::error_handler_t::strict) + "\n";
}

std::string error_output(const ApiError& error) {
  ordered_json out;
  out["status"] = error.status;
  out["body"] = ordered_json::parse(error_body(error));
  return out.dump(2) + "\n";
}

void compare(const fs::path& input, const fs::path& expected, const std::string& actual) {
  if (update_mode()) {
    std::ofstream(expected, std::ios::binary) << actual;
    return;
  }
  ASSERT_TRUE(fs::exists(expected)) << expected << " missing (run with CCPROXY_UPDATE_GOLDEN=1)";
  EXPECT_EQ(read_file(expected), actual) << "golden mismatch for " << input.filename();
}

TEST(Golden, Requests) {
  const auto files = inputs("request", ".in.json");
  ASSERT_GE(files.size(), 20u);
  const auto options = testing::golden_request_options();
  for (const auto& input : files) {
    SCOPED_TRACE(input.filename().string());
    const std::string body = read_file(input);
    auto result = to_openai_request(body, options);
    const bool expect_error = input.filename().string().rfind("err_", 0) == 0;
    EXPECT_EQ(!result.ok(), expect_error) << input.filename();
    std::string actual = result.ok() ? pretty(result->body) : error_output(result.error());
    compare(input, expected_path(input, ".in.json", ".out.json"), actual);
  }
}

TEST(Golden, Responses) {
  const auto files = inputs("response", ".in.json");
  ASSERT_GE(files.size(), 10u);
  for (const auto& input : files) {
    SCOPED_TRACE(input.filename().string());
    const std::string body = read_file(input);
    auto result = to_anthropic_response(body, testing::golden_response_context());
    const bool expect_error = input.filename().string().rfind("err_", 0) == 0;
    EXPECT_EQ(!result.ok(), expect_error) << input.filename();
    std::string actual = result.ok() ? pretty(result->body) : error_output(result.error());
    compare(input, expected_path(input, ".in.json", ".out.json"), actual);
  }
}

TEST(Golden, Streams) {
  const auto files = inputs("stream", ".sse");
  ASSERT_GE(files.size(), 10u);
  for (const auto& input : files) {
    SCOPED_TRACE(input.filename().string());
    const std::string bytes = read_file(input);
    StreamTranslator translator(testing::golden_response_context());
    std::string out;
    translator.feed(bytes, out);
    translator.finish(out);
    EXPECT_TRUE(translator.finished());
    testing::StreamSummary summary;
    EXPECT_EQ(testing::check_anthropic_stream(out, summary), "");
    compare(input, expected_path(input, ".sse", ".events"), out);
  }
}

}  // namespace
}  // namespace ccproxy::convert
