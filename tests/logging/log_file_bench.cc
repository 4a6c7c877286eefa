// Cost of one log line through open_log_file (one write(2) per line, rotation checks included)
// next to spdlog's own buffered file sink, which a crash can lose lines from. Prints figures;
// not a test. Usage: logging_bench [lines]

#include <spdlog/logger.h>
#include <spdlog/sinks/basic_file_sink.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "logging/log_file.h"
#include "tests/logging/test_dir.h"

namespace {

using Clock = std::chrono::steady_clock;

double ns_per_line(const std::shared_ptr<spdlog::logger>& logger, int threads, int lines) {
  const std::string body(60, 'x');  // a typical request line is ~100-150 bytes in total
  auto start = Clock::now();
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      for (int i = 0; i < lines / threads; ++i) {
        logger->info("req {} {} model=glm-4.6 status=200 ms=1234 {}", t, i, body);
      }
    });
  }
  for (auto& th : pool) {
    th.join();
  }
  logger->flush();
  auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - start).count();
  return static_cast<double>(ns) / lines;
}

}  // namespace

int main(int argc, char** argv) {
  int lines = argc > 1 ? std::atoi(argv[1]) : 200000;
  ccproxy::logging::testing::TempDir tmp;
  for (int threads : {1, 4}) {
    ccproxy::logging::LogFileOptions o;
    o.dir = tmp.path() / "ours";
    o.name = "bench";
    o.policy.max_bytes = 50ull << 20;
    o.policy.max_total_bytes = 0;
    auto ours = ccproxy::logging::open_log_file(o).value();
    double a = ns_per_line(ours, threads, lines);
    ours.reset();

    o.policy.max_bytes = 1 << 20;  // rotating every ~7000 lines
    auto rotating = ccproxy::logging::open_log_file(o).value();
    double b = ns_per_line(rotating, threads, lines);
    rotating.reset();

    auto sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>(
        (tmp.path() / ("spdlog-" + std::to_string(threads) + ".log")).string());
    auto buffered = std::make_shared<spdlog::logger>("bench", sink);
    buffered->set_pattern(ccproxy::logging::kLogPattern);
    double c = ns_per_line(buffered, threads, lines);

    std::printf(
        "%d thread(s), %d lines: open_log_file %.0f ns/line; with a rotation every 1 MB %.0f "
        "ns/line; spdlog basic_file_sink (buffered, not crash-safe) %.0f ns/line\n",
        threads, lines, a, b, c);
  }
  return 0;
}
