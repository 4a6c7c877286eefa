#include "supervisor/os/listener_lookup.h"

#include <dirent.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <sstream>
#include <string>

namespace ccproxy::supervisor {

std::vector<std::uint64_t> parse_listening_inodes(std::string_view text, std::uint16_t port) {
  std::vector<std::uint64_t> out;
  std::size_t pos = 0;
  bool header = true;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) {
      end = text.size();
    }
    std::string line(text.substr(pos, end - pos));
    pos = end + 1;
    if (header) {  // "  sl  local_address rem_address   st ..."
      header = false;
      continue;
    }
    std::istringstream in(line);
    std::string sl, local, remote, state, queues, timer, retr, uid, timeout, inode;
    if (!(in >> sl >> local >> remote >> state >> queues >> timer >> retr >> uid >> timeout >>
          inode)) {
      continue;
    }
    if (state != "0A") {  // TCP_LISTEN
      continue;
    }
    auto colon = local.rfind(':');
    if (colon == std::string::npos) {
      continue;
    }
    unsigned local_port = 0;
    auto hex = std::string_view(local).substr(colon + 1);
    if (std::from_chars(hex.data(), hex.data() + hex.size(), local_port, 16).ec != std::errc() ||
        local_port != port) {
      continue;
    }
    std::uint64_t ino = 0;
    if (std::from_chars(inode.data(), inode.data() + inode.size(), ino).ec == std::errc() &&
        ino != 0) {
      out.push_back(ino);
    }
  }
  return out;
}

bool process_owns_socket(int pid, const std::vector<std::uint64_t>& inodes) {
  std::string dir = "/proc/" + std::to_string(pid) + "/fd";
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) {
    return false;
  }
  bool found = false;
  char buf[64];
  while (dirent* e = ::readdir(d)) {
    if (e->d_name[0] == '.') {
      continue;
    }
    std::string link = dir + "/" + e->d_name;
    ssize_t n = ::readlink(link.c_str(), buf, sizeof(buf) - 1);
    if (n <= 8) {
      continue;
    }
    std::string_view target(buf, static_cast<std::size_t>(n));
    if (target.substr(0, 8) != "socket:[" || target.back() != ']') {
      continue;
    }
    auto num = target.substr(8, target.size() - 9);
    std::uint64_t ino = 0;
    if (std::from_chars(num.data(), num.data() + num.size(), ino).ec == std::errc() &&
        std::find(inodes.begin(), inodes.end(), ino) != inodes.end()) {
      found = true;
      break;
    }
  }
  ::closedir(d);
  return found;
}

PortHolder ProcListenerLookup::who_listens(std::uint16_t port, int hint) {
  std::vector<std::uint64_t> inodes;
  for (const char* file : {"/proc/net/tcp", "/proc/net/tcp6"}) {
    std::ifstream in(file);
    if (!in) {
      continue;
    }
    std::stringstream s;
    s << in.rdbuf();
    auto found = parse_listening_inodes(s.str(), port);
    inodes.insert(inodes.end(), found.begin(), found.end());
  }
  PortHolder holder;
  if (inodes.empty()) {
    return holder;
  }
  holder.listening = true;
  if (hint > 0 && process_owns_socket(hint, inodes)) {
    holder.pid = hint;
    return holder;
  }
  DIR* d = ::opendir("/proc");
  if (d == nullptr) {
    return holder;
  }
  while (dirent* e = ::readdir(d)) {
    int pid = 0;
    std::string_view name(e->d_name);
    if (std::from_chars(name.data(), name.data() + name.size(), pid).ec != std::errc() ||
        pid <= 0 || pid == hint) {
      continue;
    }
    if (process_owns_socket(pid, inodes)) {
      holder.pid = pid;
      break;
    }
  }
  ::closedir(d);
  return holder;
}

}  // namespace ccproxy::supervisor
