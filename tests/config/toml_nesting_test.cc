// The nesting bound checked before toml++ parses a file (deep nesting overflowed its stack).

#include "config/toml_nesting.h"

#include <gtest/gtest.h>

#include <string>

#include "config/load_fleet.h"
#include "temp_home.h"

namespace ccproxy::config {
namespace {

std::string dotted(int parts) {
  std::string key = "a";
  for (int i = 1; i < parts; ++i) {
    key += ".a";
  }
  return key;
}

std::string repeated(const std::string& s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) {
    out += s;
  }
  return out;
}

TEST(TomlNesting, ShallowTextPasses) {
  EXPECT_EQ(find_excess_nesting(""), std::nullopt);
  EXPECT_EQ(find_excess_nesting("port = 8082\n[upstream.headers]\n\"X-A.b\" = \"v\"\n"
                                "[[x.y]]\nz = [1, [2, {a.b = {c = 3}}]]\n"),
            std::nullopt);
  EXPECT_EQ(find_excess_nesting(dotted(4) + " = 1\n", 4), std::nullopt);
}

TEST(TomlNesting, DottedKeysAndHeadersCountEachPart) {
  EXPECT_EQ(find_excess_nesting(dotted(65) + " = 1\n"), 1);
  EXPECT_EQ(find_excess_nesting("x = 1\n\n" + dotted(50000) + " = 1\n"), 3);
  EXPECT_EQ(find_excess_nesting("[" + dotted(65) + "]\n"), 1);
  EXPECT_EQ(find_excess_nesting("[[" + dotted(64) + "]]\n"), 1);  // the array is a level too
  EXPECT_EQ(find_excess_nesting("[" + dotted(40) + "]\n" + dotted(25) + " = 1\n"), 2);
  EXPECT_EQ(find_excess_nesting("[" + dotted(40) + "]\n" + dotted(24) + " = 1\n"), std::nullopt);
}

TEST(TomlNesting, ArraysAndInlineTablesCount) {
  EXPECT_EQ(find_excess_nesting("a = " + repeated("[", 100000) + "\n"), 1);
  EXPECT_EQ(find_excess_nesting("a = " + repeated("{b = ", 70) + "1" + repeated("}", 70) + "\n"),
            1);
  EXPECT_EQ(find_excess_nesting("a = [\n  1,\n  " + repeated("[", 70) + "\n]\n"), 3);
  EXPECT_EQ(find_excess_nesting("a = " + repeated("[", 63) + repeated("]", 63) + "\n"),
            std::nullopt);
  EXPECT_EQ(find_excess_nesting("a = {" + dotted(64) + " = 1}\n"), 1);
}

TEST(TomlNesting, BracketsAndDotsInStringsAndCommentsDoNotCount) {
  const std::string noise = repeated("[{.", 100);
  EXPECT_EQ(find_excess_nesting("a = \"" + noise + "\\\"" + noise + "\"\n"), std::nullopt);
  EXPECT_EQ(find_excess_nesting("a = '" + noise + "'\n"), std::nullopt);
  EXPECT_EQ(find_excess_nesting("a = \"\"\"\n" + noise + "\n\"\"\"\n"), std::nullopt);
  EXPECT_EQ(find_excess_nesting("a = '''" + noise + "''''\n"), std::nullopt);
  EXPECT_EQ(find_excess_nesting("# " + noise + "\na = 1 # " + noise + "\n"), std::nullopt);
  EXPECT_EQ(find_excess_nesting("\"" + noise + "\" = 1\n"), std::nullopt);
  // Lines inside multi-line strings are counted.
  EXPECT_EQ(find_excess_nesting("a = \"\"\"\n\n\"\"\"\n" + dotted(65) + " = 1\n"), 4);
}

TEST(TomlNesting, LoadFleetSaysWhereInsteadOfCrashing) {
  testing::TempHome h;
  h.write("profiles/a.toml", "port = 8082\n" + dotted(50000) + " = 1\n");
  h.write("ccproxy.toml", "[defaults]\nx = " + repeated("[", 100) + "\n");
  EXPECT_EQ(testing::all_problems(load_fleet(h.home(), Environment{})),
            "ccproxy.toml:2: TOML nested too deeply (more than 64 levels of tables, arrays or "
            "dotted keys)\n"
            "profiles/a.toml:2: TOML nested too deeply (more than 64 levels of tables, arrays or "
            "dotted keys)\n");
}

}  // namespace
}  // namespace ccproxy::config
