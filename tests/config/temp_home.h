#pragma once
// A throw-away fleet home for tests: a fresh temp directory with helpers to write files.

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "config/fleet.h"
#include "config/home.h"

namespace ccproxy::config::testing {

class TempHome {
 public:
  TempHome() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "ccproxy-test-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) {
      ADD_FAILURE() << "mkdtemp failed";
    }
    root_ = tmpl;
    std::filesystem::create_directories(root_ / "profiles");
  }
  ~TempHome() {
    std::error_code ec;
    std::filesystem::remove_all(root_, ec);
  }
  TempHome(const TempHome&) = delete;
  TempHome& operator=(const TempHome&) = delete;

  Home home() const { return Home{root_}; }
  const std::filesystem::path& root() const { return root_; }

  void write(const std::string& relative, const std::string& text) const {
    auto path = root_ / relative;
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << text;
  }
  std::string read(const std::string& relative) const {
    std::ifstream in(root_ / relative, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

 private:
  std::filesystem::path root_;
};

/// A minimal valid profile body for `port`.
inline std::string minimal_profile(int port, const std::string& extra = "") {
  return "port = " + std::to_string(port) + "\n" + extra +
         "\n[upstream]\nbase_url = \"https://router.example/v1\"\napi_key = "
         "\"sk-test-0123456789\"\n"
         "\n[models]\nbig = \"vendor/model\"\n";
}

/// Every problem's text, one per line, for readable failure output.
inline std::string all_problems(const Fleet& fleet) {
  std::string out;
  for (const auto& p : fleet.problems) {
    out += p.str() + "\n";
  }
  return out;
}

inline bool has_problem(const Fleet& fleet, const std::string& text) {
  for (const auto& p : fleet.problems) {
    if (p.str() == text) {
      return true;
    }
  }
  return false;
}

}  // namespace ccproxy::config::testing
