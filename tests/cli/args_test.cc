#include "cmd/args.h"

#include <gtest/gtest.h>

namespace ccproxy::cmd {
namespace {

TEST(ArgParser, FlagsOptionsAndPositionals) {
  bool follow = false;
  int64_t lines = 10;
  std::vector<std::string> names;
  ArgParser p;
  p.flag("follow", &follow, 'f')
      .int_option("lines", &lines, 1, 100000, 'n')
      .positionals(&names, 0, 1);
  EXPECT_EQ(p.parse({"glm", "-f", "-n", "50"}), std::nullopt);
  EXPECT_TRUE(follow);
  EXPECT_EQ(lines, 50);
  ASSERT_EQ(names.size(), 1u);
  EXPECT_EQ(names[0], "glm");
  EXPECT_EQ(p.parse({"--lines=7"}), std::nullopt);
  EXPECT_EQ(lines, 7);
}

TEST(ArgParser, ErrorsNameTheProblem) {
  bool dry = false;
  int64_t days = 3;
  ArgParser p;
  p.flag("dry-run", &dry).int_option("days", &days, 0, 3650);
  EXPECT_EQ(p.parse({"--bogus"}), "unknown flag --bogus");
  EXPECT_EQ(p.parse({"--days"}), "--days needs a value");
  EXPECT_EQ(p.parse({"--days", "x"}), "--days: expected a whole number, got 'x'");
  EXPECT_EQ(p.parse({"--days", "-1"}), "--days: -1 is out of range (0 to 3650)");
  EXPECT_EQ(p.parse({"--dry-run=yes"}), "--dry-run takes no value");
  EXPECT_EQ(p.parse({"extra"}), "unexpected argument 'extra'");
}

TEST(ArgParser, ShortOptionWithAttachedValue) {
  int64_t lines = 10;
  bool follow = false;
  ArgParser p;
  p.int_option("lines", &lines, 1, 1000, 'n').flag("follow", &follow, 'f');
  EXPECT_EQ(p.parse({"-n50"}), std::nullopt);
  EXPECT_EQ(lines, 50);
  EXPECT_EQ(p.parse({"-nx"}), "--lines: expected a whole number, got 'x'");
  EXPECT_EQ(p.parse({"-fx"}), "unknown flag -fx");
  EXPECT_EQ(p.parse({"-q"}), "unknown flag -q");
  EXPECT_EQ(p.parse({"-qq"}), "unknown flag -q");
}

TEST(ArgParser, PositionalBounds) {
  std::vector<std::string> files;
  ArgParser p;
  p.positionals(&files, 1, 3);
  EXPECT_EQ(p.parse({}), "missing argument");
  EXPECT_EQ(p.parse({"a", "b", "c", "d"}), "too many arguments");
  EXPECT_EQ(p.parse({"--", "-x"}), std::nullopt);
  EXPECT_EQ(files, std::vector<std::string>{"-x"});
}

}  // namespace
}  // namespace ccproxy::cmd
