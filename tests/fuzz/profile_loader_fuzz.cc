// Fuzz target: the profile loader (config::load_fleet) on arbitrary TOML and .env text.
//
// Input: up to three parts separated by 0xFF bytes: profiles/p.toml, ccproxy.toml, .env (a
// missing part means a missing file). They are written into one fleet home per process, on
// /dev/shm when it exists so the files cost little, and loaded through the real entry point.
//
// Invariants: nothing crashes or throws; every diagnostic has a message; a fleet without
// problems holds exactly the profile "p" with a fingerprint; loading the same files twice gives
// the same problems and fingerprints (reload relies on that).

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "config/load_fleet.h"
#include "fuzz_check.h"

namespace {

namespace fs = std::filesystem;
using namespace ccproxy::config;

fs::path make_home() {
  std::error_code ec;
  const fs::path base =
      fs::is_directory("/dev/shm", ec) ? fs::path("/dev/shm") : fs::temp_directory_path();
  std::string tmpl = (base / "ccproxy-fuzz-XXXXXX").string();
  FUZZ_CHECK(mkdtemp(tmpl.data()) != nullptr, "mkdtemp");
  fs::create_directories(fs::path(tmpl) / "profiles");
  return tmpl;
}

const fs::path& home_root() {
  static const fs::path root = make_home();
  static const bool cleanup = [] {
    atexit([] {
      std::error_code ec;
      fs::remove_all(home_root(), ec);
    });
    return true;
  }();
  (void)cleanup;
  return root;
}

void put(const fs::path& file, const std::string_view* text) {
  if (text == nullptr) {
    unlink(file.c_str());
    return;
  }
  const int fd = open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  FUZZ_CHECK(fd >= 0, file.string());
  std::size_t done = 0;
  while (done < text->size()) {
    const ssize_t n = write(fd, text->data() + done, text->size() - done);
    FUZZ_CHECK(n > 0, "write");
    done += std::size_t(n);
  }
  close(fd);
}

std::string describe(const Fleet& fleet) {
  std::string out;
  for (const auto& d : fleet.problems) {
    out += d.str() + "\n";
  }
  for (const auto& p : fleet.profiles) {
    out += "profile " + p.name + " " + p.fingerprint + "\n";
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  std::vector<std::string_view> parts;
  for (std::size_t pos = 0; parts.size() < 3;) {
    const std::size_t end = parts.size() == 2 ? input.npos : input.find('\xff', pos);
    parts.push_back(input.substr(pos, end == input.npos ? input.npos : end - pos));
    if (end == input.npos) {
      break;
    }
    pos = end + 1;
  }
  const Home home{home_root()};
  put(home.profiles_dir() / "p.toml", &parts[0]);
  put(home.defaults_file(), parts.size() > 1 ? &parts[1] : nullptr);
  put(home.env_file(), parts.size() > 2 ? &parts[2] : nullptr);

  auto load = [&] {
    std::vector<Diagnostic> env_problems;
    Environment env;
    env.set("HOME", "/home/fuzz");
    env.set("GLM_API_KEY", "sk-fuzz-0123456789");
    env.merge_dotenv(home.env_file(), ".env", &env_problems);
    Fleet fleet = load_fleet(home, env);
    for (const auto& d : env_problems) {
      FUZZ_CHECK(!d.message.empty(), d.str());
    }
    return fleet;
  };
  const Fleet fleet = load();
  for (const auto& d : fleet.problems) {
    FUZZ_CHECK(!d.message.empty(), d.str());
  }
  if (fleet.ok()) {
    FUZZ_CHECK(fleet.profiles.size() == 1 && fleet.profiles[0].name == "p", describe(fleet));
    FUZZ_CHECK(!fleet.profiles[0].fingerprint.empty(), describe(fleet));
    FUZZ_CHECK(fleet.find("p") != nullptr, describe(fleet));
  }
  FUZZ_CHECK(describe(load()) == describe(fleet), "a second load differs\n" + describe(fleet));
  return 0;
}
