#include "supervisor/os/listener_lookup.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

namespace ccproxy::supervisor {
namespace {

TEST(ListenerLookup, ParsesOnlyListeningRowsOfThePort) {
  // 0x1F92 = 8082. Row 0 listens; row 1 is an established connection from 8082 (accepted
  // socket); row 2 a client connected TO 8082; row 3 listens on another port.
  const char* text =
      "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  "
      "timeout inode\n"
      "   0: 0100007F:1F92 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        "
      "0 111 1 0000000000000000 100 0 0 10 0\n"
      "   1: 0100007F:1F92 0100007F:C350 01 00000000:00000000 00:00000000 00000000  1000        "
      "0 222 1 0000000000000000 20 4 30 10 -1\n"
      "   2: 0100007F:C350 0100007F:1F92 01 00000000:00000000 00:00000000 00000000  1000        "
      "0 333 1 0000000000000000 20 4 30 10 -1\n"
      "   3: 00000000:1F93 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        "
      "0 444 1 0000000000000000 100 0 0 10 0\n";
  EXPECT_EQ(parse_listening_inodes(text, 8082), std::vector<std::uint64_t>{111});
  EXPECT_EQ(parse_listening_inodes(text, 8083), std::vector<std::uint64_t>{444});
  EXPECT_TRUE(parse_listening_inodes(text, 50000).empty());
  const char* v6 =
      "  sl  local_address                         remote_address                        st "
      "tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
      "   0: 00000000000000000000000001000000:1F92 00000000000000000000000000000000:0000 0A "
      "00000000:00000000 00:00000000 00000000  1000        0 555 1 0000000000000000 100 0 0 10 "
      "0\n";
  EXPECT_EQ(parse_listening_inodes(v6, 8082), std::vector<std::uint64_t>{555});
}

// A real listener in a child process and a connected client in this process: the lookup names
// the child (the listener), never us (a client of that port).
TEST(ListenerLookup, FindsTheListeningProcessNotAConnectedClient) {
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    int s = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    ::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof(a));
    ::listen(s, 8);
    socklen_t len = sizeof(a);
    ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
    std::uint16_t port = ntohs(a.sin_port);
    (void)!::write(ready[1], &port, sizeof(port));
    int c = ::accept(s, nullptr, nullptr);  // keep the accepted connection open too
    (void)c;
    ::pause();
    ::_exit(0);
  }
  std::uint16_t port = 0;
  ASSERT_EQ(::read(ready[0], &port, sizeof(port)), static_cast<ssize_t>(sizeof(port)));
  int client = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  ASSERT_EQ(::connect(client, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);

  ProcListenerLookup lookup;
  PortHolder h = lookup.who_listens(port);
  EXPECT_TRUE(h.listening);
  ASSERT_TRUE(h.pid.has_value());
  EXPECT_EQ(*h.pid, child);
  EXPECT_NE(*h.pid, ::getpid());
  // A wrong hint (us, a client) is not believed.
  PortHolder hinted = lookup.who_listens(port, ::getpid());
  ASSERT_TRUE(hinted.pid.has_value());
  EXPECT_EQ(*hinted.pid, child);
  // The right hint is the fast path.
  EXPECT_EQ(lookup.who_listens(port, child).pid, child);

  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
  ::close(client);
  // Our client socket (now in CLOSE_WAIT or gone) never makes the port look held.
  PortHolder after = lookup.who_listens(port);
  EXPECT_FALSE(after.listening);
  EXPECT_FALSE(after.pid.has_value());
  ::close(ready[0]);
  ::close(ready[1]);
}

}  // namespace
}  // namespace ccproxy::supervisor
