// ccproxy statusline: the line Claude Code shows under its prompt. Claude Code runs it (its
// statusLine setting) with a JSON description of the session on stdin; the profile is the one
// whose port ANTHROPIC_BASE_URL names.

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <iterator>

#include "cmd/args.h"
#include "cmd/command.h"
#include "supervisor/supervisor_process.h"
#include "usage/ledger_db.h"
#include "usage/statusline.h"
#include "worker/convert/model_mapping.h"

namespace ccproxy::cmd {
namespace {

constexpr std::size_t kMaxInput = 1u << 20;

std::string read_stdin() {
  std::string in;
  char buf[8192];
  while (in.size() < kMaxInput && std::cin.read(buf, sizeof buf).gcount() > 0) {
    in.append(buf, static_cast<std::size_t>(std::cin.gcount()));
  }
  return in;
}

/// The line, or a short reason why there is none; never more than one line.
std::string status_line(const config::Home& home, const usage::StatuslineInput& input) {
  const char* base_url = std::getenv("ANTHROPIC_BASE_URL");
  if (base_url == nullptr || *base_url == '\0') {
    return "ccproxy: ANTHROPIC_BASE_URL is not set";
  }
  const auto port = usage::port_of_base_url(base_url);
  if (!port) {
    return "ccproxy: ANTHROPIC_BASE_URL is not an http(s) URL";
  }
  const config::Fleet fleet = supervisor::load_home_fleet(home);
  const config::Profile* found = nullptr;
  for (const auto& p : fleet.profiles) {
    if (p.worker.port == *port) {
      found = &p;
    }
  }
  if (found == nullptr) {
    return "ccproxy: no valid profile on port " + std::to_string(*port) + " in " +
           home.root.string();
  }
  usage::StatuslineProfile profile{
      found->name, convert::map_model(input.model_id, found->worker.upstreams.front().models),
      found->pricing};
  const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  const std::filesystem::path file = usage::ledger_file(home.root);
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) {
    return usage::statusline_text(profile, input, nullptr, now);
  }
  auto db = usage::LedgerDb::open(file, usage::LedgerDb::Mode::existing, 200);
  if (!db) {
    return usage::statusline_text(profile, input, nullptr, now);
  }
  return usage::statusline_text(profile, input, &*db, now);
}

int run(const Invocation& inv) {
  ArgParser parser;
  if (auto err = parser.parse(inv.args)) {
    return usage_error(kStatuslineCommand, *err);
  }
  const usage::StatuslineInput input = usage::parse_statusline_input(read_stdin());
  std::cout << status_line(inv.home, input) << "\n";
  return kExitOk;
}

}  // namespace

const Command kStatuslineCommand{
    "statusline", "statusline",
    "one line for Claude Code's statusLine: profile, model, session and today's cost",
    "Reads Claude Code's statusline JSON on stdin (session_id, model.id), finds the profile\n"
    "whose port ANTHROPIC_BASE_URL names, and prints one line:\n"
    "  glm · zai/GLM-4.6 · session 12.3k tok $0.0123 · today $1.23\n"
    "the profile, the provider model of the session's last request (else the one its model\n"
    "maps to), the session's tokens (input, cache and output) and cost, and the profile's cost\n"
    "since local midnight ('-' when a model has no [pricing]). Without a ledger yet it says\n"
    "so; without a matching profile it prints one line saying why. Always exits 0.\n"
    "In ~/.claude/settings.json:\n"
    "  \"statusLine\": {\"type\": \"command\", \"command\": \"ccproxy --home DIR statusline\"}\n",
    run};

}  // namespace ccproxy::cmd
