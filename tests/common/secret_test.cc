#include "common/secret.h"

#include <gtest/gtest.h>

namespace ccproxy {
namespace {

TEST(RedactSecret, ShowsAVendorMarkerAndTheLastFourCharacters) {
  EXPECT_EQ(redact_secret("sk-requesty-cli-test-secret-9876"), "sk-…9876");
  EXPECT_EQ(redact_secret("gsk-0123456789abcdefWXYZ"), "gsk-…WXYZ");
}

TEST(RedactSecret, ALongerPrefixIsPartOfTheSecret) {
  // Six characters before the dash used to be shown: "secret-…" gave away half of a short key.
  EXPECT_EQ(redact_secret("secret-0123456789XYZW9"), "…YZW9");
  EXPECT_EQ(redact_secret("secret-0123456789XYZW"), "…XYZW");
  EXPECT_EQ(redact_secret("requesty-key-0123456789abcd"), "…abcd");
}

TEST(RedactSecret, KeysShorterThanSixteenCharactersShowNothing) {
  EXPECT_EQ(redact_secret("secret-XYZW9"), "…");
  EXPECT_EQ(redact_secret("sk-0123456789ab"), "…");          // 15 characters
  EXPECT_EQ(redact_secret("sk-0123456789abc"), "sk-…9abc");  // 16
  EXPECT_EQ(redact_secret("abc"), "…");
  EXPECT_EQ(redact_secret(""), "(empty)");
}

TEST(SecretsEqual, ComparesWholeValues) {
  EXPECT_TRUE(secrets_equal("sk-abc", "sk-abc"));
  EXPECT_FALSE(secrets_equal("sk-abc", "sk-abd"));
  EXPECT_FALSE(secrets_equal("sk-abc", "sk-ab"));
  EXPECT_TRUE(secrets_equal("", ""));
}

}  // namespace
}  // namespace ccproxy
