// Keys as ccproxy top reads them from the terminal.

#include "cmd/top/terminal.h"

#include <gtest/gtest.h>

namespace ccproxy::cmd::top {
namespace {

TEST(DecodeKeys, ArrowsInBothCursorModesAndLetters) {
  EXPECT_EQ(decode_keys("\x1b[A\x1b[B\x1bOA\x1bOB"),
            (std::vector<Key>{Key::up, Key::down, Key::up, Key::down}));
  EXPECT_EQ(decode_keys("qrlyjkx"), (std::vector<Key>{Key::quit, Key::restart, Key::log, Key::yes,
                                                      Key::down, Key::up, Key::other}));
  EXPECT_EQ(decode_keys("\x1b[5~\x1b[6~\x1b[H\x1b[F"),
            (std::vector<Key>{Key::page_up, Key::page_down, Key::home, Key::end}));
}

TEST(DecodeKeys, ALoneEscapeAndUnknownSequences) {
  EXPECT_EQ(decode_keys("\x1b"), (std::vector<Key>{Key::escape}));
  // F5 (ESC [ 1 5 ~) is one unknown key, not five.
  EXPECT_EQ(decode_keys("\x1b[15~q"), (std::vector<Key>{Key::other, Key::quit}));
}

}  // namespace
}  // namespace ccproxy::cmd::top
