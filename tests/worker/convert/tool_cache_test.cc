// The converted-tool-list cache: a hit must produce exactly what a full conversion produces,
// for the same tools with anything else around them, and a list that differs in one byte must
// not hit.

#include "worker/convert/tool_cache.h"

#include <gtest/gtest.h>

#include <simdjson.h>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "golden_options.h"
#include "worker/convert/convert.h"

namespace ccproxy::convert {
namespace {

using detail::RawSpan;
using detail::ToolListCache;
using nlohmann::json;

std::string convert_ok(const std::string& body) {
  auto r = to_openai_request(body, testing::golden_request_options());
  EXPECT_TRUE(r.ok()) << r.error().message;
  return r.ok() ? r->body : std::string();
}

std::string convert_error(const std::string& body) {
  auto r = to_openai_request(body, testing::golden_request_options());
  EXPECT_FALSE(r.ok());
  return r.ok() ? std::string() : r.error().message;
}

// Converts with the thread's cache emptied first: the reference (full) conversion.
std::string convert_cold(const std::string& body) {
  detail::thread_tool_cache().clear();
  return convert_ok(body);
}

bool locate(std::string text, RawSpan& span) {
  text.reserve(text.size() + simdjson::SIMDJSON_PADDING);
  return detail::find_top_level_tools(text.data(), text.size(), span);
}

TEST(ToolCache, FindsTheTopLevelToolsArrayOnly) {
  RawSpan span;
  const std::string doc = R"({"a":{"tools":[1]},"tools" : [ {"x":"]"} ] ,"b":[{"tools":2}]})";
  ASSERT_TRUE(locate(doc, span));
  EXPECT_EQ(doc.substr(span.offset, span.length).substr(0, 13), R"([ {"x":"]"} ])");
  EXPECT_FALSE(locate(R"({"tools":null})", span));
  EXPECT_FALSE(locate(R"({"tools":{}})", span));
  EXPECT_FALSE(locate(R"({"model":"m"})", span));
  EXPECT_FALSE(locate(R"([{"tools":[]}])", span));
  EXPECT_FALSE(locate(R"({"tools":[1],"tools":[2]})", span));  // duplicated: not guessed
  EXPECT_FALSE(locate(R"({"tools":[1)", span));
}

TEST(ToolCache, KeepsTheMostRecentlyUsedLists) {
  ToolListCache cache;
  const std::string a(3000, 'a'), b(3000, 'b'), c(3000, 'c'), d(3000, 'd'), e(3000, 'e');
  cache.put(a, worker::Provider::generic, "A", 1);
  cache.put(b, worker::Provider::generic, "B", 1);
  cache.put(c, worker::Provider::generic, "C", 1);
  cache.put(d, worker::Provider::generic, "D", 1);
  ASSERT_NE(cache.find_prefix_of(a), nullptr);  // a is now the most recent, b the least
  cache.put(e, worker::Provider::generic, "E", 1);
  EXPECT_EQ(cache.size(), ToolListCache::kMaxEntries);
  EXPECT_EQ(cache.find_prefix_of(b), nullptr);
  ASSERT_NE(cache.find_prefix_of(a), nullptr);
  EXPECT_EQ(*cache.find_prefix_of(a)->converted, "A");
  EXPECT_EQ(*cache.find_prefix_of(e)->converted, "E");
  std::string a2 = a;
  a2[1500] = 'x';
  EXPECT_EQ(cache.find_prefix_of(a2), nullptr);
  // A stored list followed by the rest of a body is found; a truncated one is not.
  EXPECT_NE(cache.find_prefix_of(a + ",\"metadata\":{}}"), nullptr);
  EXPECT_EQ(cache.find_prefix_of(a.substr(0, a.size() - 1)), nullptr);
  EXPECT_FALSE(ToolListCache::worth_caching("[]"));
}

TEST(ToolCache, HitEqualsFullConversionOfTheFixture) {
  const std::string body = testing::claude_code_fixture();
  const std::string cold = convert_cold(body);
  ASSERT_FALSE(cold.empty());
  EXPECT_EQ(detail::thread_tool_cache().size(), 1u);
  EXPECT_EQ(convert_ok(body), cold);  // now from the cache
  EXPECT_EQ(detail::thread_tool_cache().size(), 1u);
}

TEST(ToolCache, PaddedBodyIsReadInPlaceWithTheSameResult) {
  std::string body = testing::claude_code_fixture();
  const std::string cold = convert_cold(body);
  body.reserve(body.size() + kInputPadding);
  RequestOptions options = testing::golden_request_options();
  options.body_padded = true;
  for (int pass = 0; pass < 2; ++pass) {  // a miss, then a hit
    detail::thread_tool_cache().clear();
    if (pass == 1) {
      convert_ok(body);
    }
    auto r = to_openai_request(body, options);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->body, cold) << "pass " << pass;
  }
}

TEST(ToolCache, SplicedHitJoinsToTheFullConversion) {
  const std::string body = testing::claude_code_fixture();
  const std::string cold = convert_cold(body);
  RequestOptions options = testing::golden_request_options();
  options.splice_tools = true;
  // A miss converts everything into `body`.
  detail::thread_tool_cache().clear();
  auto miss = to_openai_request(body, options);
  ASSERT_TRUE(miss.ok()) << miss.error().message;
  EXPECT_FALSE(miss->spliced);
  EXPECT_EQ(miss->body, cold);
  // A hit leaves the stored list out of `body`: it goes at splice_at, shared with the cache.
  auto hit = to_openai_request(body, options);
  ASSERT_TRUE(hit.ok()) << hit.error().message;
  ASSERT_TRUE(hit->spliced);
  EXPECT_EQ(hit->joined(), cold);
  EXPECT_EQ(hit->size(), cold.size());
  EXPECT_EQ(hit->body.size() + hit->spliced->size(), cold.size());
  EXPECT_EQ(hit->spliced->substr(0, 10), ",\"tools\":[");
  EXPECT_EQ(cold.substr(hit->splice_at, hit->spliced->size()), *hit->spliced);
  // Evicting the entry does not take the text from a request still holding it.
  const std::string spliced = *hit->spliced;
  detail::thread_tool_cache().clear();
  EXPECT_EQ(*hit->spliced, spliced);
}

// Pass-through validates with the same cache; what it forwards is the client's own body.
TEST(ToolCache, PassthroughHitForwardsTheClientsBody) {
  const std::string body = testing::claude_code_fixture();
  RequestOptions options = testing::golden_request_options();
  options.splice_tools = true;
  detail::thread_tool_cache().clear();
  auto cold = to_passthrough_request(body, options);
  ASSERT_TRUE(cold.ok()) << cold.error().message;
  EXPECT_EQ(detail::thread_tool_cache().size(), 1u);
  auto warm = to_passthrough_request(body, options);
  ASSERT_TRUE(warm.ok()) << warm.error().message;
  EXPECT_FALSE(warm->spliced);
  EXPECT_EQ(warm->body, cold->body);
  EXPECT_EQ(json::parse(warm->body)["tools"], json::parse(body)["tools"]);
  // A damaged message is still refused on a hit.
  json bad = json::parse(body);
  bad["messages"][0]["content"] = 42;
  EXPECT_FALSE(to_passthrough_request(bad.dump(), options).ok());
}

TEST(ToolCache, SameToolsDifferentRestConvertsTheRestAfresh) {
  json req = json::parse(testing::claude_code_fixture());
  convert_cold(req.dump());
  // Other messages, another tool_choice, no stream: everything but the tool list is new.
  req["messages"] = json::array({{{"role", "user"}, {"content", "hello \"there\"\n"}}});
  req["tool_choice"] = {{"type", "tool"}, {"name", "Bash"}, {"disable_parallel_tool_use", true}};
  req["stream"] = false;
  const std::string body = req.dump();
  const std::string warm = convert_ok(body);
  EXPECT_EQ(warm, convert_cold(body));
  json out = json::parse(warm);
  EXPECT_EQ(out["messages"].back()["content"], "hello \"there\"\n");
  EXPECT_EQ(out["tool_choice"]["function"]["name"], "Bash");
  EXPECT_EQ(out["parallel_tool_calls"], false);
  EXPECT_EQ(out["tools"].size(), 25u);
  EXPECT_FALSE(out.contains("stream"));
}

TEST(ToolCache, ErrorsOutsideTheToolListAreReportedOnAHit) {
  json req = json::parse(testing::claude_code_fixture());
  convert_cold(req.dump());
  json bad = req;
  bad["messages"][0]["content"] = 42;
  const std::string warm = convert_error(bad.dump());
  detail::thread_tool_cache().clear();
  EXPECT_EQ(warm, convert_error(bad.dump()));
  EXPECT_NE(warm.find("messages.0.content"), std::string::npos) << warm;

  convert_ok(req.dump());
  bad = req;
  bad["tool_choice"] = "auto";  // must be an object
  EXPECT_EQ(convert_error(bad.dump()), "tool_choice: expected an object, got a string");
}

// The stored list is found by a text search; these bodies hold a byte-identical copy of it
// somewhere else than the top-level `tools`, and must convert exactly as without the cache.
TEST(ToolCache, ACopyOfTheListElsewhereIsNotTakenForIt) {
  json req = json::parse(testing::claude_code_fixture());
  const json tools = req["tools"];
  convert_cold(req.dump());  // stores the list
  ASSERT_EQ(detail::thread_tool_cache().size(), 1u);

  json no_tools = req;
  no_tools.erase("tools");
  no_tools["metadata"] = {{"tools", tools}};  // "metadata" sorts first: its copy is met first
  json empty_tools = no_tools;
  empty_tools["tools"] = json::array();
  for (const json& variant : {no_tools, empty_tools}) {
    const std::string body = variant.dump();
    ASSERT_NE(body.find("\"tools\":" + tools.dump()), std::string::npos);
    convert_cold(req.dump());
    const std::string warm = convert_ok(body);
    EXPECT_FALSE(json::parse(warm).contains("tools"));
    EXPECT_EQ(warm, convert_cold(body));
  }

  // The key twice at the top level: the first one counts (an empty list here).
  std::string twice = req.dump();
  twice.insert(1, "\"tools\":[],");
  convert_cold(req.dump());
  const std::string warm = convert_ok(twice);
  EXPECT_EQ(warm, convert_cold(twice));
}

// The key is searched sixteen positions at a time: a hit must be found at every position in
// a block, behind near-misses ("tool", "toolss", 't'...'s' pairs) and a key without the list.
TEST(ToolCache, TheKeyIsFoundAtEveryOffset) {
  json req = json::parse(testing::claude_code_fixture());
  RequestOptions options = testing::golden_request_options();
  options.splice_tools = true;
  for (int k = 0; k < 40; ++k) {
    json variant = req;
    // "system" sorts before "tools": its length moves the key through a block.
    variant["system"] = std::string(static_cast<std::size_t>(k), 'x') +
                        " \"tool\" \"toolss\" tatas tools \"t---s\" \"tools\" ";
    const std::string body = variant.dump();
    ASSERT_LT(body.find("\"system\""), body.find("\"tools\":["));
    convert_cold(req.dump());  // stores the list again
    auto r = to_openai_request(body, options);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_TRUE(r->spliced) << "offset " << k << ": the stored list was not found";
    EXPECT_EQ(r->joined(), convert_cold(body)) << "offset " << k;
  }
}

TEST(ToolCache, WhitespaceAroundTheKeyStillHits) {
  std::string body = json::parse(testing::claude_code_fixture()).dump();
  const std::size_t at = body.find("\"tools\":[");
  ASSERT_NE(at, std::string::npos);
  body.replace(at, 9, "\"tools\" :\n [");
  const std::string cold = convert_cold(body);
  EXPECT_EQ(convert_ok(body), cold);
  EXPECT_EQ(json::parse(cold)["tools"].size(), 25u);
}

TEST(ToolCache, OneChangedByteInTheToolsIsAMiss) {
  json req = json::parse(testing::claude_code_fixture());
  convert_cold(req.dump());
  json changed = req;
  changed["tools"][3]["description"] = "Changed description";
  const std::string body = changed.dump();
  const std::string warm = convert_ok(body);
  EXPECT_EQ(json::parse(warm)["tools"][3]["function"]["description"], "Changed description");
  EXPECT_EQ(warm, convert_cold(body));
  // A broken tool in a list otherwise seen before is still an error.
  json broken = req;
  broken["tools"][2].erase("name");
  EXPECT_EQ(convert_error(broken.dump()), "tools.2.name: field required");
}

}  // namespace
}  // namespace ccproxy::convert
