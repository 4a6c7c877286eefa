// The UPSTREAMS cell from a worker's /health.

#include "cmd/top/fleet_sampler.h"

#include <gtest/gtest.h>

namespace ccproxy::cmd::top {
namespace {

TEST(UpstreamsCell, OneEntryPerUpstream) {
  std::string body = R"({"status":"healthy","upstreams":[
    {"name":"requesty","state":"ok","cooldown_left_s":0,"keys_ok":2,"keys_total":2,"last_error":null},
    {"name":"backup","state":"cooldown","cooldown_left_s":11.2,"keys_ok":0,"keys_total":1,
     "last_error":"429"}]})";
  EXPECT_EQ(upstreams_cell(body), "requesty ok 2/2, backup cooldown 0/1 12s");
}

TEST(UpstreamsCell, NothingWithoutTheList) {
  EXPECT_FALSE(upstreams_cell(R"({"status":"healthy"})").has_value());
  EXPECT_FALSE(upstreams_cell("").has_value());
  EXPECT_FALSE(upstreams_cell("not json").has_value());
  EXPECT_EQ(upstreams_cell(R"({"upstreams":[]})"), "-");
}

}  // namespace
}  // namespace ccproxy::cmd::top
