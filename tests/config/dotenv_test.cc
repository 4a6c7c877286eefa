#include "config/dotenv.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace ccproxy::config {
namespace {

std::string value_of(const DotenvFile& f, const std::string& name) {
  std::string out = "<unset>";
  for (const auto& e : f.entries) {
    if (e.name == name) {
      out = e.value;
    }
  }
  return out;
}

TEST(Dotenv, QuotesCommentsAndExport) {
  auto f = parse_dotenv(
      "# a comment\n"
      "\n"
      "PLAIN=abc\n"
      "export EXPORTED=yes\n"
      "  SPACED = padded value   \n"
      "INLINE=value # comment\n"
      "HASH=pa#ss\n"
      "LEADING_HASH=#notacomment\n"
      "EMPTY_COMMENT= # only a comment\n"
      "DOUBLE=\"a # b\" # trailing comment\n"
      "SINGLE='lit $X \\n'\n"
      "ESCAPES=\"line\\nnext \\\"q\\\" \\\\ \\$\"\n"
      "CRLF=windows\r\n"
      "EMPTY=\n");
  EXPECT_TRUE(f.errors.empty());
  EXPECT_EQ(value_of(f, "PLAIN"), "abc");
  EXPECT_EQ(value_of(f, "EXPORTED"), "yes");
  EXPECT_EQ(value_of(f, "SPACED"), "padded value");
  EXPECT_EQ(value_of(f, "INLINE"), "value");
  EXPECT_EQ(value_of(f, "HASH"), "pa#ss");
  EXPECT_EQ(value_of(f, "LEADING_HASH"), "#notacomment");
  EXPECT_EQ(value_of(f, "EMPTY_COMMENT"), "");
  EXPECT_EQ(value_of(f, "DOUBLE"), "a # b");
  EXPECT_EQ(value_of(f, "SINGLE"), "lit $X \\n");
  EXPECT_EQ(value_of(f, "ESCAPES"), "line\nnext \"q\" \\ $");
  EXPECT_EQ(value_of(f, "CRLF"), "windows");
  EXPECT_EQ(value_of(f, "EMPTY"), "");
}

TEST(Dotenv, LineNumbersAndMultilineValues) {
  auto f = parse_dotenv("A=1\nB=\"two\nlines\"\nC=3\n");
  ASSERT_EQ(f.entries.size(), 3u);
  EXPECT_EQ(f.entries[1].value, "two\nlines");
  EXPECT_EQ(f.entries[0].line, 1);
  EXPECT_EQ(f.entries[1].line, 2);
  EXPECT_EQ(f.entries[2].line, 4);
}

TEST(Dotenv, ErrorsNameTheLineButNotTheValue) {
  auto f = parse_dotenv("GOOD=1\nnot a pair\n9BAD=x\nOPEN=\"sk-secret-value\nMORE=2\n");
  ASSERT_GE(f.errors.size(), 3u);
  EXPECT_EQ(f.errors[0].line, 2);
  EXPECT_EQ(f.errors[0].message, "expected NAME=VALUE");
  EXPECT_EQ(f.errors[1].line, 3);
  EXPECT_EQ(f.errors[2].line, 4);
  EXPECT_EQ(f.errors[2].message, "OPEN: missing closing quote");
  for (const auto& e : f.errors) {
    EXPECT_EQ(e.message.find("sk-secret"), std::string::npos);
  }
  EXPECT_EQ(value_of(f, "GOOD"), "1");
}

TEST(Dotenv, TextAfterClosingQuoteIsAnError) {
  auto f = parse_dotenv("A=\"x\"y\nB=2\n");
  ASSERT_EQ(f.errors.size(), 1u);
  EXPECT_EQ(f.errors[0].message, "A: unexpected text after the closing quote");
  EXPECT_EQ(value_of(f, "B"), "2");
}

}  // namespace
}  // namespace ccproxy::config

namespace ccproxy::config {
namespace {

// Every prefix of a tricky file (cut mid-quote, mid-escape, mid-name) parses without crashing
// and never reports an entry on a line the prefix does not reach.
TEST(Dotenv, EveryPrefixOfATrickyFileIsHandled) {
  const std::string text =
      "\xEF\xBB\xBF# bom\nexport A=\"x\\\"y\\\\\" # c\nB='q\nr'\nC=#x\n D = v # w\nE=\"\\n\n";
  for (std::size_t n = 0; n <= text.size(); ++n) {
    std::string_view prefix(text.data(), n);
    DotenvFile f = parse_dotenv(prefix);
    int lines = 1 + static_cast<int>(std::count(prefix.begin(), prefix.end(), '\n'));
    for (const auto& e : f.entries) {
      EXPECT_LE(e.line, lines) << n;
    }
    for (const auto& e : f.errors) {
      EXPECT_LE(e.line, lines) << n;
    }
  }
}

}  // namespace
}  // namespace ccproxy::config
