#include "supervisor/os/port_conflict.h"

#include <gtest/gtest.h>

namespace ccproxy::supervisor {
namespace {

TEST(PortConflict, Classification) {
  PortHolder none;
  PortHolder ours{true, 100};
  PortHolder other{true, 200};
  PortHolder hidden{true, std::nullopt};

  EXPECT_EQ(classify_port(8082, std::nullopt, none, false, "").use, PortUse::free);
  // Our own worker (verified pid file) on its port and healthy: adopt.
  EXPECT_EQ(classify_port(8082, 100, ours, true, "").use, PortUse::own_healthy);
  // Ours but not answering, or not (yet) on the port, or someone else on the port: replace.
  EXPECT_EQ(classify_port(8082, 100, ours, false, "").use, PortUse::own_unhealthy);
  EXPECT_EQ(classify_port(8082, 100, none, false, "").use, PortUse::own_unhealthy);
  EXPECT_EQ(classify_port(8082, 100, other, true, "").use, PortUse::own_unhealthy);

  auto f =
      classify_port(8082, std::nullopt, PortHolder{true, 4242}, false, "python3 start_proxy.py");
  EXPECT_EQ(f.use, PortUse::foreign);
  EXPECT_EQ(f.pid, 4242);
  EXPECT_EQ(f.message, "port 8082 is held by pid 4242 (python3 start_proxy.py)");

  auto h = classify_port(8082, std::nullopt, hidden, false, "");
  EXPECT_EQ(h.use, PortUse::foreign_hidden);
  EXPECT_EQ(h.pid, 0);
}

}  // namespace
}  // namespace ccproxy::supervisor
