#include "logging/log_file.h"

#include <spdlog/logger.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/base_sink.h>

#include <mutex>

#include "logging/archive_worker.h"
#include "logging/log_line.h"
#include "logging/rotating_file.h"

namespace ccproxy::logging {
namespace {

// One spdlog record -> one formatted line (log_line.h) -> one write(2) through RotatingFile.
// spdlog's base_sink holds the mutex around sink_it_, which serialises writers and rotation.
class RotatingFileSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  explicit RotatingFileSink(std::string name) : name_(std::move(name)) {}

  ~RotatingFileSink() override {
    // The worker reports through this sink: stop it while everything is still alive.
    worker_.reset();
  }

  void attach(std::unique_ptr<RotatingFile> file, std::unique_ptr<ArchiveWorker> worker) {
    std::lock_guard lock(mutex_);
    file_ = std::move(file);
    worker_ = std::move(worker);
  }

  ArchiveWorker* worker() { return worker_.get(); }

  void report(spdlog::level::level_enum level, const std::string& text) {
    spdlog::details::log_msg msg(name_, level, text);
    log(msg);
  }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    write_formatted(msg);
    // Problems met while writing (a failed rotation, a tightened mode) go into the log itself.
    for (int round = 0; round < 2; ++round) {
      auto notices = file_->take_notices();
      if (notices.empty()) {
        break;
      }
      for (const auto& n : notices) {
        write_formatted(spdlog::details::log_msg(name_, spdlog::level::warn, n));
      }
    }
  }

  void flush_() override {}  // every line is already in the kernel

 private:
  void write_formatted(const spdlog::details::log_msg& msg) {
    spdlog::memory_buf_t buf;
    formatter_->format(msg, buf);
    file_->write_line(std::string_view(buf.data(), buf.size()));
  }

  std::string name_;
  std::unique_ptr<RotatingFile> file_;
  std::unique_ptr<ArchiveWorker> worker_;
};

Result<std::shared_ptr<RotatingFileSink>> open_sink(const LogFileOptions& options) {
  auto sink = std::make_shared<RotatingFileSink>(options.name);
  sink->set_formatter(line_formatter(options.secrets));
  RotatingFileSink* raw = sink.get();
  auto worker = std::make_unique<ArchiveWorker>(
      options.dir, options.policy, options.clock, [raw](bool warning, const std::string& text) {
        raw->report(warning ? spdlog::level::warn : spdlog::level::info, text);
      });
  ArchiveWorker* w = worker.get();
  auto file = RotatingFile::open(
      options, [w](const std::filesystem::path& archive) { w->archived(archive); });
  if (!file) {
    return fail(file.error());
  }
  auto notices = (*file)->take_notices();
  sink->attach(std::move(file).value(), std::move(worker));
  for (const auto& n : notices) {
    sink->report(spdlog::level::warn, n);
  }
  // Leftovers of an earlier run: plain archives never compressed, archives past retention.
  sink->worker()->recover(options.name);
  sink->worker()->clean();
  return sink;
}

}  // namespace

Result<std::shared_ptr<spdlog::logger>> open_log_file(const LogFileOptions& options) {
  try {
    auto sink = open_sink(options);
    if (!sink) {
      return fail(sink.error());
    }
    return std::make_shared<spdlog::logger>(options.name, std::move(sink).value());
  } catch (const std::exception& e) {
    // Starting the archive thread, or memory: nothing a caller could do about it but report.
    return fail("cannot open the log " + options.name + ".log: " + e.what());
  }
}

void wait_for_archive_work(const std::shared_ptr<spdlog::logger>& logger) {
  if (!logger) {
    return;
  }
  for (const auto& sink : logger->sinks()) {
    if (auto* ours = dynamic_cast<RotatingFileSink*>(sink.get()); ours != nullptr) {
      if (ours->worker() != nullptr) {
        ours->worker()->drain();
      }
    }
  }
}

}  // namespace ccproxy::logging
