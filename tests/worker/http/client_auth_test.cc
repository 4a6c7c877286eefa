#include "worker/http/client_auth.h"

#include <gtest/gtest.h>

namespace ccproxy::worker {
namespace {

TEST(ClientAuth, NoKeyConfiguredAllowsEverything) {
  EXPECT_EQ(check_client_key("", "", ""), ClientAuth::ok);
  EXPECT_EQ(check_client_key("", "anything", "Bearer x"), ClientAuth::ok);
}

TEST(ClientAuth, XApiKeyOrBearer) {
  EXPECT_EQ(check_client_key("k-123", "k-123", ""), ClientAuth::ok);
  EXPECT_EQ(check_client_key("k-123", "", "Bearer k-123"), ClientAuth::ok);
  EXPECT_EQ(check_client_key("k-123", "", "bearer   k-123 "), ClientAuth::ok);
  // Either header may carry it (Claude Code sends one or the other).
  EXPECT_EQ(check_client_key("k-123", "wrong", "Bearer k-123"), ClientAuth::ok);
}

TEST(ClientAuth, MissingAndInvalid) {
  EXPECT_EQ(check_client_key("k-123", "", ""), ClientAuth::missing);
  EXPECT_EQ(check_client_key("k-123", "", "Basic k-123"), ClientAuth::missing);
  EXPECT_EQ(check_client_key("k-123", "k-12", ""), ClientAuth::invalid);
  EXPECT_EQ(check_client_key("k-123", "k-1234", ""), ClientAuth::invalid);
  EXPECT_EQ(check_client_key("k-123", "", "Bearer nope"), ClientAuth::invalid);
  EXPECT_EQ(check_client_key("k-123", "", "Bearerk-123"), ClientAuth::missing);
}

}  // namespace
}  // namespace ccproxy::worker
