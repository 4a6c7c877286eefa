// The profile editor: only the changed values' lines change, bad input is refused, pooled
// profiles ([[upstreams]]) are edited on their text alone.

#include "config/profile_edit.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "common/new_file.h"
#include "config/load_fleet.h"
#include "temp_home.h"

namespace ccproxy::config {
namespace {

ModelAssignment A(const std::string& arg) {
  auto a = parse_assignment(arg);
  EXPECT_TRUE(a) << arg;
  return a ? *a : ModelAssignment{};
}

const std::string kClassic =
    "# glm\r\nport = 8082   # the port\n\n[models]            # opus -> big\n"
    "big = \"zai/GLM-4.6\"   # the big one\n  small='s'\n\n# trailing comment\n[timeouts]\n"
    "connect_s = 5\n";

TEST(ProfileEdit, ChangesOnlyTheValueKeepingCommentsAndSpacing) {
  auto out = set_models(kClassic, {A("big=zai/GLM-4.5-Air"), A("small=x/\"q\"$")});
  ASSERT_TRUE(out) << out.error();
  EXPECT_EQ(*out,
            "# glm\r\nport = 8082   # the port\n\n[models]            # opus -> big\n"
            "big = \"zai/GLM-4.5-Air\"   # the big one\n  small=\"x/\\\"q\\\"$$\"\n\n"
            "# trailing comment\n[timeouts]\nconnect_s = 5\n");
}

TEST(ProfileEdit, AMissingKeyGoesAfterTheTablesLastKey) {
  auto out = set_models(kClassic, {A("middle=m/x")});
  ASSERT_TRUE(out) << out.error();
  EXPECT_EQ(*out,
            "# glm\r\nport = 8082   # the port\n\n[models]            # opus -> big\n"
            "big = \"zai/GLM-4.6\"   # the big one\n  small='s'\nmiddle = \"m/x\"\n\n"
            "# trailing comment\n[timeouts]\nconnect_s = 5\n");
}

TEST(ProfileEdit, AMissingTableIsAppended) {
  auto out = set_models("port = 1", {A("big=a/b")});
  ASSERT_TRUE(out) << out.error();
  EXPECT_EQ(*out, "port = 1\n\n[models]\nbig = \"a/b\"\n");
}

TEST(ProfileEdit, RefusesBadAssignments) {
  EXPECT_FALSE(parse_assignment("huge=a"));
  EXPECT_EQ(parse_assignment("huge=a").error(),
            "unknown tier 'huge' (tiers: big, middle, small, vision, long, think)");
  EXPECT_FALSE(parse_assignment("big="));
  EXPECT_FALSE(parse_assignment("big@=x"));
  EXPECT_FALSE(parse_assignment("big=a\nb"));
  EXPECT_TRUE(parse_assignment("think=a/b"));
  EXPECT_TRUE(parse_assignment("long@zai=a/b"));
  EXPECT_FALSE(is_assignment("fast"));
}

TEST(ProfileEdit, RefusesLayoutsItCannotEditLineByLine) {
  auto out = set_models("[models]\nbig = \"\"\"\nx\"\"\"\n", {A("big=a")});
  EXPECT_FALSE(out);
  auto inline_table = set_models("models = { big = \"x\" }\n", {A("big=a")});
  EXPECT_FALSE(inline_table);
}

const std::string kPooled =
    "port = 1\n\n[[upstreams]]\nname = \"zai\"   # first\nbase_url = \"u\"\n"
    "[upstreams.models]\nbig = \"zai/a\"\n\n[[upstreams]]\nname = 'other'\n"
    "[upstreams.headers]\nX = \"1\"\n\n[balance]\nmode = \"x\"\n";

TEST(ProfileEdit, PooledProfileEditsTheNamedUpstream) {
  auto out = set_models(kPooled, {A("big@zai=zai/b"), A("small@other=o/s")});
  ASSERT_TRUE(out) << out.error();
  EXPECT_EQ(*out,
            "port = 1\n\n[[upstreams]]\nname = \"zai\"   # first\nbase_url = \"u\"\n"
            "[upstreams.models]\nbig = \"zai/b\"\n\n[[upstreams]]\nname = 'other'\n"
            "[upstreams.headers]\nX = \"1\"\n\n[upstreams.models]\nsmall = \"o/s\"\n\n"
            "[balance]\nmode = \"x\"\n");
}

TEST(ProfileEdit, PooledProfileNeedsAnUpstreamThatExists) {
  auto no_upstream = set_models(kPooled, {A("big=x")});
  ASSERT_FALSE(no_upstream);
  EXPECT_NE(no_upstream.error().find("big@UPSTREAM=x"), std::string::npos) << no_upstream.error();
  auto unknown = set_models(kPooled, {A("big@nope=x")});
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error(), "no [[upstreams]] named 'nope' in this profile");
}

TEST(ProfileEdit, PresetsAreReadAndValidated) {
  testing::TempHome h;
  h.write("profiles/a.toml", testing::minimal_profile(8082) +
                                 "\n[presets.fast]\nbig = \"x/a\"\nsmall = \"x/b\"\n"
                                 "[presets.bad]\nhuge = \"x\"\n");
  Fleet f = load_fleet(h.home(), Environment{});
  EXPECT_EQ(testing::all_problems(f),
            "profiles/a.toml:13: presets.bad: a preset names at least one tier\n"
            "profiles/a.toml:14: presets.bad.huge: unknown key\n");
  h.write("profiles/a.toml",
          testing::minimal_profile(8082) + "\n[presets.fast]\nbig = \"x/a\"\nsmall = \"x/b\"\n");
  f = load_fleet(h.home(), Environment{});
  ASSERT_TRUE(f.ok()) << testing::all_problems(f);
  const auto& presets = f.find("a")->presets;
  ASSERT_EQ(presets.count("fast"), 1u);
  EXPECT_EQ(presets.at("fast"),
            (std::vector<std::pair<std::string, std::string>>{{"big", "x/a"}, {"small", "x/b"}}));
}

TEST(ProfileEdit, AnEditIsCheckedOnItsTextBeforeAnythingIsWritten) {
  testing::TempHome h;
  const std::string text = testing::minimal_profile(8082);
  h.write("profiles/a.toml", text);
  Fleet f = load_fleet(h.home(), Environment{}, ProfileText{"a", "port = 8082\n[models]\n"});
  EXPECT_FALSE(f.ok());
  EXPECT_NE(testing::all_problems(f).find("upstream"), std::string::npos);
  EXPECT_EQ(h.read("profiles/a.toml"), text);
}

TEST(ProfileEdit, ReplaceFileIsAtomicAndKeepsTheMode) {
  testing::TempHome h;
  h.write("profiles/a.toml", "old\n");
  const auto path = h.root() / "profiles/a.toml";
  ASSERT_TRUE(replace_file(path, "new\n", 0640));
  EXPECT_EQ(h.read("profiles/a.toml"), "new\n");
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0640u);
  // No temp file is left beside it; a failed replace leaves the old file whole.
  std::size_t files = 0;
  for (const auto& e : std::filesystem::directory_iterator(h.root() / "profiles")) {
    files += e.is_regular_file() ? 1 : 0;
  }
  EXPECT_EQ(files, 1u);
  EXPECT_FALSE(replace_file(h.root() / "missing-dir/a.toml", "x", 0600));
}

}  // namespace
}  // namespace ccproxy::config
