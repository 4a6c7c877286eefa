#include "config/interpolate.h"

#include <gtest/gtest.h>

#include "temp_home.h"

namespace ccproxy::config {
namespace {

TEST(Interpolate, VariablesDefaultsAndEscapes) {
  Environment env;
  env.set("KEY", "sk-123");
  env.set("EMPTY", "");
  EXPECT_EQ(interpolate("${KEY}", env).value(), "sk-123");
  EXPECT_EQ(interpolate("Bearer ${KEY}!", env).value(), "Bearer sk-123!");
  EXPECT_EQ(interpolate("${MISSING:-fallback}", env).value(), "fallback");
  EXPECT_EQ(interpolate("${EMPTY:-fallback}", env).value(), "fallback");
  EXPECT_EQ(interpolate("${KEY:-unused}", env).value(), "sk-123");
  EXPECT_EQ(interpolate("${MISSING:-}", env).value(), "");
  EXPECT_EQ(interpolate("cost $$5", env).value(), "cost $5");
  EXPECT_EQ(interpolate("pa$word", env).value(), "pa$word");
  EXPECT_EQ(interpolate("trailing $", env).value(), "trailing $");
  EXPECT_EQ(interpolate("$${KEY}", env).value(), "${KEY}");
}

TEST(Interpolate, ErrorsNameTheVariable) {
  Environment env;
  env.set("EMPTY", "");
  EXPECT_EQ(interpolate("${NOPE}", env).error(), "variable NOPE is not set (environment or .env)");
  EXPECT_EQ(interpolate("${EMPTY}", env).error(), "variable EMPTY is empty");
  EXPECT_EQ(interpolate("${OPEN", env).error(), "unterminated ${ (write $$ for a literal $)");
  EXPECT_EQ(interpolate("${1X}", env).error(),
            "bad variable name in ${1X} (letters, digits and _; write $$ for a literal $)");
}

TEST(Interpolate, EscapeRoundTrips) {
  Environment env;
  for (std::string s : {"plain", "a$b", "$$", "${X}", "end$"}) {
    EXPECT_EQ(interpolate(escape_interpolation(s), env).value(), s);
  }
}

TEST(Environment, ProcessEnvironmentWinsOverDotenv) {
  testing::TempHome home;
  home.write(".env", "CCPROXY_TEST_BOTH=from-dotenv\nCCPROXY_TEST_ONLY_DOTENV=dotenv\n");
  ::setenv("CCPROXY_TEST_BOTH", "from-process", 1);
  std::vector<Diagnostic> problems;
  Environment env = Environment::from_process(home.home(), &problems);
  ::unsetenv("CCPROXY_TEST_BOTH");
  EXPECT_TRUE(problems.empty());
  ASSERT_NE(env.get("CCPROXY_TEST_BOTH"), nullptr);
  EXPECT_EQ(*env.get("CCPROXY_TEST_BOTH"), "from-process");
  ASSERT_NE(env.get("CCPROXY_TEST_ONLY_DOTENV"), nullptr);
  EXPECT_EQ(*env.get("CCPROXY_TEST_ONLY_DOTENV"), "dotenv");
}

TEST(Environment, DotenvProblemsNameTheLine) {
  testing::TempHome home;
  home.write(".env", "A=1\nthis is wrong\n");
  std::vector<Diagnostic> problems;
  Environment env = Environment::from_process(home.home(), &problems);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].str(), ".env:2: expected NAME=VALUE");
  ASSERT_NE(env.get("A"), nullptr);
}

TEST(Environment, DotenvThatIsADirectoryIsAProblem) {
  testing::TempHome home;
  std::filesystem::create_directory(home.root() / ".env");
  std::vector<Diagnostic> problems;
  Environment::from_process(home.home(), &problems);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].str(), ".env: not a regular file");
}

TEST(Environment, MissingDotenvIsFine) {
  testing::TempHome home;
  std::vector<Diagnostic> problems;
  Environment::from_process(home.home(), &problems);
  EXPECT_TRUE(problems.empty());
}

}  // namespace
}  // namespace ccproxy::config
