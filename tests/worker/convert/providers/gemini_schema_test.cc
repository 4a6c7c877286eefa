#include "worker/convert/providers/gemini_schema.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "golden_options.h"

namespace ccproxy::convert::providers {
namespace {

using nlohmann::json;

json rewrite(const json& schema) {
  simdjson::dom::parser parser;
  const std::string text = schema.dump();
  simdjson::dom::element root = parser.parse(text).value();
  std::string out;
  write_gemini_schema(out, root);
  return json::parse(out);
}

// The keywords Gemini accepts; a key inside `properties` is a property name, not a keyword.
void expect_only_gemini_keywords(const json& schema, const std::string& where) {
  static const std::set<std::string> kAllowed = {
      "type",          "format",        "description",     "title",     "pattern",   "nullable",
      "enum",          "minimum",       "maximum",         "minLength", "maxLength", "minItems",
      "maxItems",      "default",       "properties",      "required",  "items",     "anyOf",
      "minProperties", "maxProperties", "propertyOrdering"};
  ASSERT_TRUE(schema.is_object()) << where;
  for (const auto& [key, value] : schema.items()) {
    EXPECT_TRUE(kAllowed.count(key)) << where << ": " << key;
    if (key == "properties") {
      for (const auto& [name, sub] : value.items()) {
        expect_only_gemini_keywords(sub, where + "." + name);
      }
    } else if (key == "items") {
      expect_only_gemini_keywords(value, where + "[]");
    } else if (key == "anyOf") {
      for (const auto& sub : value) {
        expect_only_gemini_keywords(sub, where + "|");
      }
    } else if (key == "format") {
      EXPECT_TRUE(value == "enum" || value == "date-time" || schema["type"] != "string")
          << where << " format " << value;
    }
  }
}

TEST(GeminiSchema, RewritesWhatGeminiRefusesKeepingTheMeaning) {
  const json in = {
      {"$schema", "http://json-schema.org/draft-07/schema#"},
      {"type", "object"},
      {"additionalProperties", false},
      {"description", "root"},
      {"properties",
       {{"mode", {{"const", "fast"}}},
        {"format",
         {{"type", "string"}, {"format", "uri"}, {"description", "a property named format"}}},
        {"when", {{"type", "string"}, {"format", "date-time"}}},
        {"count", {{"type", "integer"}, {"exclusiveMinimum", 0}, {"exclusiveMaximum", 10}}},
        {"ratio", {{"type", "number"}, {"exclusiveMinimum", 0.5}}},
        {"either", {{"oneOf", json::array({{{"type", "string"}}, {{"type", "integer"}}})}}},
        {"maybe", {{"type", json::array({"string", "null"})}}},
        {"tags", {{"type", "array"}, {"items", {{"type", "string"}, {"examples", {"a"}}}}}},
        {"map",
         {{"type", "object"},
          {"propertyNames", {{"pattern", "^a"}}},
          {"patternProperties", {{"^a", {{"type", "string"}}}}}}},
        {"node", {{"$ref", "#/$defs/Node"}}},
        {"old", {{"$ref", "#/definitions/Old"}}},
        {"missing", {{"$ref", "#/$defs/Nope"}, {"description", "gone"}}}}},
      {"required", {"mode", "count"}},
      {"$defs",
       {{"Node",
         {{"type", "object"},
          {"description", "a tree node"},
          {"properties", {{"name", {{"type", "string"}}}, {"child", {{"$ref", "#/$defs/Node"}}}}},
          {"required", {"name"}}}}}},
      {"definitions", {{"Old", {{"type", "string"}, {"enum", {"x", "y"}}}}}}};
  const json out = rewrite(in);
  expect_only_gemini_keywords(out, "root");
  EXPECT_EQ(out["type"], "object");
  EXPECT_EQ(out["description"], "root");
  EXPECT_EQ(out["required"], json({"mode", "count"}));
  const json& p = out["properties"];
  EXPECT_EQ(p["mode"], json({{"type", "string"}, {"enum", {"fast"}}}));
  EXPECT_EQ(p["format"], json({{"type", "string"}, {"description", "a property named format"}}));
  EXPECT_EQ(p["when"]["format"], "date-time");
  EXPECT_EQ(p["count"]["minimum"], 1);
  EXPECT_EQ(p["count"]["maximum"], 9);
  EXPECT_EQ(p["ratio"]["minimum"], 0.5);
  EXPECT_EQ(p["either"]["anyOf"], json::array({{{"type", "string"}}, {{"type", "integer"}}}));
  EXPECT_EQ(p["maybe"], json({{"type", "string"}, {"nullable", true}}));
  EXPECT_EQ(p["tags"], json({{"type", "array"}, {"items", {{"type", "string"}}}}));
  EXPECT_EQ(p["map"], json({{"type", "object"}}));
  // $ref inlined; the cycle (Node inside Node) becomes a plain object.
  EXPECT_EQ(p["node"]["description"], "a tree node");
  EXPECT_EQ(p["node"]["required"], json({"name"}));
  EXPECT_EQ(p["node"]["properties"]["child"], json({{"type", "object"}}));
  EXPECT_EQ(p["old"], json({{"type", "string"}, {"enum", {"x", "y"}}}));
  EXPECT_EQ(p["missing"], json({{"type", "object"}, {"description", "gone"}}));
}

TEST(GeminiSchema, DeepReferenceChainsAreBounded) {
  json defs;
  for (int i = 0; i < 20; ++i) {
    defs["D" + std::to_string(i)] = {{"$ref", "#/$defs/D" + std::to_string(i + 1)}};
  }
  defs["D20"] = {{"type", "string"}};
  const json out = rewrite({{"$ref", "#/$defs/D0"}, {"$defs", defs}});
  EXPECT_EQ(out, json({{"type", "object"}}));
}

TEST(GeminiSchema, ClaudeCodeToolsKeepEverythingGeminiCanSay) {
  const json request = json::parse(testing::claude_code_fixture());
  size_t rewritten = 0;
  for (const auto& tool : request["tools"]) {
    const json& in = tool["input_schema"];
    const json out = rewrite(in);
    const std::string name = tool["name"];
    expect_only_gemini_keywords(out, name);
    EXPECT_EQ(out["type"], in["type"]) << name;
    if (in.contains("required")) {
      EXPECT_EQ(out["required"], in["required"]) << name;
    }
    if (in.contains("properties")) {
      ASSERT_EQ(out["properties"].size(), in["properties"].size()) << name;
      for (const auto& [prop, schema] : in["properties"].items()) {
        for (const char* kept : {"type", "description", "enum", "items"}) {
          if (schema.contains(kept) && std::string(kept) != "items") {
            EXPECT_EQ(out["properties"][prop][kept], schema[kept]) << name << "." << prop;
          } else if (schema.contains(kept)) {
            EXPECT_TRUE(out["properties"][prop].contains("items")) << name << "." << prop;
          }
        }
      }
    }
    rewritten += out != in;
  }
  EXPECT_EQ(rewritten, request["tools"].size());  // every tool had $schema at least
}

}  // namespace
}  // namespace ccproxy::convert::providers
