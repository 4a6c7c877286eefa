#include "usage/statusline.h"

#include "temp_dir.h"

namespace ccproxy::usage {
namespace {

using testing::kDay5;
using testing::kDayMs;
using testing::row;
using testing::TempDir;

TEST(Statusline, ReadsTheFieldsItNeedsAndToleratesTheRest) {
  StatuslineInput in = parse_statusline_input(
      R"({"hook_event_name":"Status","session_id":"abc-123","model":{"id":"claude-opus-4-1",
          "display_name":"Opus"},"workspace":{"current_dir":"/x"},"cost":{"total_cost_usd":1}})");
  EXPECT_EQ(in.session_id, "abc-123");
  EXPECT_EQ(in.model_id, "claude-opus-4-1");
  EXPECT_EQ(parse_statusline_input("not json").session_id, "");
  EXPECT_EQ(parse_statusline_input(R"({"session_id":5,"model":"x"})").session_id, "");
}

TEST(Statusline, PortOfTheBaseUrl) {
  EXPECT_EQ(port_of_base_url("http://127.0.0.1:8082"), 8082);
  EXPECT_EQ(port_of_base_url("http://localhost:8081/"), 8081);
  EXPECT_EQ(port_of_base_url("http://[::1]:8083/v1"), 8083);
  EXPECT_EQ(port_of_base_url("http://[::1]/v1"), 80);
  EXPECT_EQ(port_of_base_url("https://proxy.example"), 443);
  EXPECT_FALSE(port_of_base_url("127.0.0.1:8082").has_value());
  EXPECT_FALSE(port_of_base_url("http://h:99999").has_value());
  EXPECT_FALSE(port_of_base_url("http://h:80x").has_value());
}

TEST(Statusline, ShowsTheSessionAndTodayForTheProfile) {
  TempDir dir;
  auto db = LedgerDb::open(dir.file(), LedgerDb::Mode::create);
  ASSERT_TRUE(db);
  const std::int64_t now = kDay5 + 12 * 3'600'000;
  ASSERT_TRUE(db->insert({
      row("glm", "zai/GLM-4.6", kDay5 - kDayMs, 1'000'000, 0),  // yesterday: not today
      row("glm", "zai/GLM-4.6", kDay5 + 1000, 1000, 200, 0, 200, 1, "s1"),
      row("glm", "zai/GLM-4.5", kDay5 + 2000, 11000, 300, 0, 200, 1, "s1"),
      row("glm", "zai/GLM-4.6", kDay5 + 3000, 1'000'000, 0, 0, 200, 1, "other"),
      row("kimi", "groq/kimi", kDay5 + 4000, 5'000'000, 0, 0, 200, 1, "s1"),
  }));
  StatuslineProfile p{"glm",
                      "zai/GLM-4.6",
                      {{"zai/GLM-4.6", Price{1, 2, 0.1, std::nullopt}},
                       {"zai/GLM-4.5", Price{1, 2, 0.1, std::nullopt}}}};
  StatuslineInput in{"s1", "claude-sonnet-4-5"};
  // Session s1 on glm: 1000+200+11000+300 tokens (its kimi request is another profile's);
  // today's glm cost: 1,012,000 in, 500 out.
  EXPECT_EQ(statusline_text(p, in, &*db, now),
            "glm · zai/GLM-4.5 · session 12.5k tok $0.0130 · today $1.01");
  StatuslineProfile unpriced{"glm", "zai/GLM-4.6", {}};
  EXPECT_EQ(statusline_text(unpriced, in, &*db, now),
            "glm · zai/GLM-4.5 · session 12.5k tok - · today -");

  StatuslineProfile priced = p;
  StatuslineInput glm_only{"other", ""};
  EXPECT_EQ(statusline_text(priced, glm_only, &*db, now),
            "glm · zai/GLM-4.6 · session 1.0M tok $1.00 · today $1.01");
  EXPECT_EQ(statusline_text(p, StatuslineInput{"new", ""}, &*db, now),
            "glm · zai/GLM-4.6 · session 0 tok · today $1.01");
  EXPECT_EQ(statusline_text(p, StatuslineInput{}, nullptr, now),
            "glm · zai/GLM-4.6 · no usage recorded yet");
}

}  // namespace
}  // namespace ccproxy::usage
