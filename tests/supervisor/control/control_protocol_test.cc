#include "supervisor/control/control_protocol.h"

#include <gtest/gtest.h>

namespace ccproxy::supervisor {
namespace {

using nlohmann::json;
using Names = std::vector<std::string>;

// Through the wire and back, as the other side reads it.
ControlRequest round_trip(const ControlRequest& request) {
  auto parsed = request_from_json(json::parse(to_json(request).dump()));
  EXPECT_TRUE(parsed) << (parsed ? "" : parsed.error());
  return parsed ? *parsed : ControlRequest{};
}

TEST(ControlProtocol, RequestsKeepTheirWireFormat) {
  // Byte for byte what every ccproxy has sent: a supervisor of an earlier build still answers.
  EXPECT_EQ(to_json(StatusRequest{}).dump(), R"({"op":"status"})");
  EXPECT_EQ(to_json(ReloadRequest{}).dump(), R"({"op":"reload"})");
  EXPECT_EQ(to_json(ReloadRequest{{"glm"}}).dump(), R"({"names":["glm"],"op":"reload"})");
  EXPECT_EQ(to_json(StartRequest{{"glm", "ds"}, {"ds"}}).dump(),
            R"({"names":["glm","ds"],"op":"start","takeover":["ds"]})");
  EXPECT_EQ(to_json(StartRequest{}).dump(), R"({"names":[],"op":"start","takeover":[]})");
  EXPECT_EQ(to_json(StopRequest{}).dump(), R"({"names":[],"op":"stop"})");
  EXPECT_EQ(to_json(StopRequest{{"glm"}}).dump(), R"({"names":["glm"],"op":"stop"})");
  EXPECT_EQ(to_json(RestartRequest{{"a", "b"}}).dump(), R"({"names":["a","b"],"op":"restart"})");
}

TEST(ControlProtocol, RequestsRoundTrip) {
  EXPECT_TRUE(std::holds_alternative<StatusRequest>(round_trip(StatusRequest{})));
  EXPECT_TRUE(std::holds_alternative<ReloadRequest>(round_trip(ReloadRequest{})));
  auto named = round_trip(ReloadRequest{{"glm", "ds"}});
  ASSERT_TRUE(std::holds_alternative<ReloadRequest>(named));
  EXPECT_EQ(std::get<ReloadRequest>(named).names, (std::vector<std::string>{"glm", "ds"}));

  auto start = round_trip(StartRequest{{"glm", "ds"}, {"ds"}});
  ASSERT_TRUE(std::holds_alternative<StartRequest>(start));
  EXPECT_EQ(std::get<StartRequest>(start).names, (Names{"glm", "ds"}));
  EXPECT_EQ(std::get<StartRequest>(start).takeover, Names{"ds"});

  auto stop = round_trip(StopRequest{{"glm"}});
  ASSERT_TRUE(std::holds_alternative<StopRequest>(stop));
  EXPECT_EQ(std::get<StopRequest>(stop).names, Names{"glm"});

  auto restart = round_trip(RestartRequest{{"a", "b"}});
  ASSERT_TRUE(std::holds_alternative<RestartRequest>(restart));
  EXPECT_EQ(std::get<RestartRequest>(restart).names, (Names{"a", "b"}));
}

TEST(ControlProtocol, MissingNamesMeanEveryProfile) {
  auto stop = request_from_json(json{{"op", "stop"}});
  ASSERT_TRUE(stop);
  ASSERT_TRUE(std::holds_alternative<StopRequest>(*stop));
  EXPECT_TRUE(std::get<StopRequest>(*stop).names.empty());
  auto start = request_from_json(json{{"op", "start"}, {"names", {"glm"}}});
  ASSERT_TRUE(start);
  EXPECT_EQ(std::get<StartRequest>(*start).names, Names{"glm"});
  EXPECT_TRUE(std::get<StartRequest>(*start).takeover.empty());
}

TEST(ControlProtocol, AMalformedRequestSaysWhatIsWrong) {
  auto error_of = [](const json& j) {
    auto r = request_from_json(j);
    EXPECT_FALSE(r) << j.dump();
    return r ? std::string() : r.error();
  };
  EXPECT_EQ(error_of(json{{"op", "bogus"}}), "unknown op 'bogus'");
  EXPECT_EQ(error_of(json::object()), "unknown op ''");
  EXPECT_EQ(error_of(json::array({1, 2})),
            "bad request: a request is a JSON object with an \"op\"");
  EXPECT_EQ(error_of(json{{"op", 7}}), "bad request: \"op\" is not a string");
  EXPECT_EQ(error_of(json{{"op", "stop"}, {"names", "glm"}}),
            "bad request: \"names\" is not a list of names");
  EXPECT_EQ(error_of(json{{"op", "restart"}, {"names", {"glm", 3}}}),
            "bad request: \"names\" holds something other than a name");
  EXPECT_EQ(error_of(json{{"op", "start"}, {"takeover", true}}),
            "bad request: \"takeover\" is not a list of names");
}

TEST(ControlProtocol, StatusReplyRoundTrip) {
  StatusReply reply;
  reply.pid = 4242;
  reply.settled = false;
  reply.exiting = true;
  WorkerView glm;
  glm.name = "glm";
  glm.port = 8082;
  glm.pid = 77;
  glm.state = WorkerState::running;
  glm.restarts = 2;
  glm.last_exit = ExitStatus{true, 9, true};
  glm.message = "adopted";
  glm.adopted = true;
  WorkerView ds;
  ds.name = "ds";
  ds.port = 8083;
  ds.state = WorkerState::fatal;
  reply.workers = {glm, ds};

  json wire = to_json(reply);
  EXPECT_EQ(wire["ok"], true);
  EXPECT_EQ(wire["pid"], 4242);
  auto back = reply_from_json<StatusReply>(json::parse(wire.dump()));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->pid, 4242);
  EXPECT_FALSE(back->settled);
  EXPECT_TRUE(back->exiting);
  ASSERT_EQ(back->workers.size(), 2u);
  auto by_name = back->workers_by_name();
  ASSERT_EQ(by_name.count("glm"), 1u);
  const WorkerView& g = by_name["glm"];
  EXPECT_EQ(g.port, 8082);
  EXPECT_EQ(g.pid, 77);
  EXPECT_EQ(g.state, WorkerState::running);
  EXPECT_EQ(g.restarts, 2);
  ASSERT_TRUE(g.last_exit);
  EXPECT_TRUE(g.last_exit->signaled);
  EXPECT_EQ(g.last_exit->code, 9);
  EXPECT_EQ(g.message, "adopted");
  EXPECT_TRUE(g.adopted);
  EXPECT_EQ(by_name["ds"].state, WorkerState::fatal);
}

TEST(ControlProtocol, StatusReplyDefaultsWhenFieldsAreMissing) {
  auto r = reply_from_json<StatusReply>(json{{"ok", true}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->pid, 0);
  EXPECT_TRUE(r->settled);
  EXPECT_FALSE(r->exiting);
  EXPECT_TRUE(r->workers.empty());
}

TEST(ControlProtocol, OtherRepliesRoundTrip) {
  auto start = reply_from_json<StartReply>(to_json(StartReply{{"a"}, {"b"}, {}}));
  ASSERT_TRUE(start);
  EXPECT_EQ(start->already_running, Names{"a"});
  EXPECT_EQ(start->started, Names{"b"});
  EXPECT_TRUE(start->unknown.empty());

  auto stop_all = to_json(StopReply{true, {}});
  EXPECT_EQ(stop_all.dump(), R"({"exiting":true,"ok":true})");
  auto stop = reply_from_json<StopReply>(stop_all);
  ASSERT_TRUE(stop);
  EXPECT_TRUE(stop->exiting);
  auto stop_some = reply_from_json<StopReply>(to_json(StopReply{false, {"glm"}}));
  ASSERT_TRUE(stop_some);
  EXPECT_FALSE(stop_some->exiting);
  EXPECT_EQ(stop_some->stopping, Names{"glm"});

  EXPECT_EQ(to_json(RestartReply{{"a"}}).dump(), R"({"ok":true,"restarting":["a"]})");
  auto restart = reply_from_json<RestartReply>(to_json(RestartReply{{"a", "b"}}));
  ASSERT_TRUE(restart);
  EXPECT_EQ(restart->restarting, (Names{"a", "b"}));

  auto reload = reply_from_json<ReloadReply>(to_json(ReloadReply{{"new"}, {"old"}, {"glm"}}));
  ASSERT_TRUE(reload);
  EXPECT_EQ(reload->added, Names{"new"});
  EXPECT_EQ(reload->removed, Names{"old"});
  EXPECT_EQ(reload->changed, Names{"glm"});
}

TEST(ControlProtocol, AStartWithUnknownNamesIsStillAnAnswer) {
  json wire = to_json(StartReply{{}, {"a"}, {"nope"}});
  EXPECT_EQ(wire["ok"], false);
  EXPECT_FALSE(wire.contains("error"));
  auto r = reply_from_json<StartReply>(wire);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->started, Names{"a"});
  EXPECT_EQ(r->unknown, Names{"nope"});
}

TEST(ControlProtocol, RefusalsAreErrors) {
  ControlError refusal{"profiles have problems; nothing changed", {"glm.toml:3: bad"}};
  json wire = to_json(refusal);
  EXPECT_EQ(wire.dump(), R"({"error":"profiles have problems; nothing changed","ok":false,)"
                         R"("problems":["glm.toml:3: bad"]})");
  auto reload = reply_from_json<ReloadReply>(wire);
  ASSERT_FALSE(reload);
  EXPECT_EQ(reload.error().message, "profiles have problems; nothing changed");
  EXPECT_EQ(reload.error().problems, Names{"glm.toml:3: bad"});

  EXPECT_EQ(to_json(ControlError{"the supervisor is shutting down", {}}).dump(),
            R"({"error":"the supervisor is shutting down","ok":false})");
  auto start = reply_from_json<StartReply>(to_json(ControlError{"shutting down", {}}));
  ASSERT_FALSE(start);
  EXPECT_EQ(start.error().message, "shutting down");
  auto restart = reply_from_json<RestartReply>(json{{"ok", false}});
  ASSERT_FALSE(restart);
  EXPECT_EQ(restart.error().message, "refused");
}

TEST(ControlProtocol, AMalformedReplySaysWhatIsWrong) {
  auto started = reply_from_json<StartReply>(json{{"ok", true}, {"started", "glm"}});
  ASSERT_FALSE(started);
  EXPECT_EQ(started.error().message,
            "bad answer from the supervisor: \"started\" is not a list of names");
  auto status = reply_from_json<StatusReply>(json{{"ok", true}, {"workers", 3}});
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().message, "bad answer from the supervisor: \"workers\" is not a list");
  auto not_object = reply_from_json<StopReply>(json::array());
  ASSERT_FALSE(not_object);
  EXPECT_EQ(not_object.error().message, "bad answer from the supervisor: not a JSON object");
  auto bad_ok = reply_from_json<StopReply>(json{{"ok", "yes"}});
  ASSERT_FALSE(bad_ok);
  EXPECT_EQ(bad_ok.error().message, "bad answer from the supervisor: \"ok\" is not true or false");
}

}  // namespace
}  // namespace ccproxy::supervisor
