#pragma once
// FUZZ_CHECK: an invariant of a fuzz target. On violation prints what broke and aborts, so
// libFuzzer (and the replay driver under ctest) report the input as a crash.

#include <cstdio>
#include <cstdlib>
#include <string>

namespace ccproxy::fuzz {

[[noreturn]] inline void invariant_failed(const char* file, int line, const char* what,
                                          const std::string& detail) {
  std::fprintf(stderr, "%s:%d: invariant failed: %s\n%s\n", file, line, what, detail.c_str());
  std::abort();
}

}  // namespace ccproxy::fuzz

#define FUZZ_CHECK(cond, detail)                                              \
  do {                                                                        \
    if (!(cond)) {                                                            \
      ::ccproxy::fuzz::invariant_failed(__FILE__, __LINE__, #cond, (detail)); \
    }                                                                         \
  } while (0)
