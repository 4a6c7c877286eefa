#include <stdlib.h>

#include <gtest/gtest.h>

#include "config/diagnostic.h"
#include "config/home.h"

namespace ccproxy::config {
namespace {

TEST(Home, FlagThenEnvironmentThenCurrentDirectory) {
  ::setenv("CCPROXY_HOME", "/srv/from-env", 1);
  EXPECT_EQ(Home::resolve(std::filesystem::path("/srv/from-flag")).root, "/srv/from-flag");
  EXPECT_EQ(Home::resolve(std::nullopt).root, "/srv/from-env");
  ::setenv("CCPROXY_HOME", "", 1);
  EXPECT_EQ(Home::resolve(std::nullopt).root, std::filesystem::current_path());
  ::unsetenv("CCPROXY_HOME");
  EXPECT_EQ(Home::resolve(std::nullopt).root, std::filesystem::current_path());
}

TEST(Home, PathsAreAbsoluteAndClean) {
  EXPECT_EQ(Home::resolve(std::filesystem::path("/srv/x/./y/../")).root, "/srv/x");
  EXPECT_EQ(Home::resolve(std::filesystem::path("/srv/x/.")).root, "/srv/x");
  EXPECT_EQ(Home::resolve(std::filesystem::path("rel")).root,
            std::filesystem::current_path() / "rel");
  Home h{"/srv/x"};
  EXPECT_EQ(h.profiles_dir(), "/srv/x/profiles");
  EXPECT_EQ(h.env_file(), "/srv/x/.env");
  EXPECT_EQ(h.defaults_file(), "/srv/x/ccproxy.toml");
}

TEST(Diagnostic, Format) {
  EXPECT_EQ((Diagnostic{"profiles/glm.toml", 7, "upstream.base_url", "not a URL", "glm"}.str()),
            "profiles/glm.toml:7: upstream.base_url: not a URL");
  EXPECT_EQ((Diagnostic{"profiles/glm.toml", 0, "port", "required key is missing", ""}.str()),
            "profiles/glm.toml: port: required key is missing");
  EXPECT_EQ((Diagnostic{"profiles/x y.toml", 0, "", "bad name", ""}.str()),
            "profiles/x y.toml: bad name");
  EXPECT_EQ((Diagnostic{"", 0, "", "no home", ""}.str()), "no home");
}

}  // namespace
}  // namespace ccproxy::config
