// ccproxy model NAME [TIER=MODEL ... | PRESET]: show a profile's model tiers and presets, or
// switch them: the profile file is edited in place (only those lines), checked like `check`,
// written atomically, and the running worker is handed over to one with the new models.

#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cmd/args.h"
#include "cmd/command.h"
#include "cmd/fleet_command.h"
#include "common/new_file.h"
#include "config/environment.h"
#include "config/load_fleet.h"
#include "config/profile_edit.h"
#include "supervisor/control/supervisor_client.h"
#include "supervisor/fleet_cli.h"
#include "supervisor/supervisor_process.h"

namespace ccproxy::cmd {
namespace {

namespace sv = ccproxy::supervisor;

constexpr worker::Tier kAllTiers[] = {worker::Tier::big,          worker::Tier::middle,
                                      worker::Tier::small,        worker::Tier::vision,
                                      worker::Tier::long_context, worker::Tier::think};

// The upstream and model a tier's requests go to first: the first upstream (profile order)
// serving it; middle and small fall back to middle, then big, when no upstream serves them.
std::pair<const worker::UpstreamConfig*, worker::Tier> first_serving(const config::Profile& p,
                                                                     worker::Tier tier) {
  for (worker::Tier t : {tier, worker::Tier::middle, worker::Tier::big}) {
    for (const auto& u : p.worker.upstreams) {
      if (!u.models.model_for(t).empty()) {
        return {&u, t};
      }
    }
  }
  return {nullptr, tier};
}

// The tiers (per upstream in a pool), what each Claude family maps to, and the presets.
void show(const config::Profile& p) {
  const auto& upstreams = p.worker.upstreams;
  const bool pool = upstreams.size() > 1;
  std::cout << p.name << " (port " << p.worker.port << ")\n\ntiers:\n";
  for (const auto& u : upstreams) {
    if (pool) {
      std::cout << "  [" << u.name << "]\n";
    }
    for (auto t : kAllTiers) {
      if (!u.models.model_for(t).empty()) {
        std::printf("  %s%-7s %s\n", pool ? "  " : "", worker::tier_name(t),
                    u.models.model_for(t).c_str());
      }
    }
  }
  std::cout << "\nClaude models:\n";
  const std::pair<const char*, worker::Tier> families[] = {{"opus", worker::Tier::big},
                                                           {"sonnet", worker::Tier::middle},
                                                           {"haiku", worker::Tier::small}};
  for (const auto& [family, tier] : families) {
    auto [u, served] = first_serving(p, tier);
    std::string target = u == nullptr ? "-" : u->models.model_for(served);
    if (u != nullptr && pool) {
      target += " (" + u->name + ")";
    }
    std::printf("  %-7s -> %-7s %s\n", family, worker::tier_name(tier), target.c_str());
  }
  const bool passes = std::any_of(upstreams.begin(), upstreams.end(), [](const auto& u) {
    return u.models.passthrough_provider_models;
  });
  std::cout << "  vendor/model ids " << (passes ? "are passed through" : "go to big") << "\n";
  std::cout << "\npresets:" << (p.presets.empty() ? " none ([presets.NAME] in the profile)" : "")
            << "\n";
  for (const auto& [name, tiers] : p.presets) {
    std::cout << "  " << name << " ";
    for (const auto& [tier, model] : tiers) {
      std::cout << " " << tier << "=" << model;
    }
    std::cout << "\n";
  }
}

std::string read_text(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// The assignments the words ask for: TIER=MODEL ..., or one preset's tiers. Exit code when
// they are wrong (2: not understood, 1: no such preset).
Result<std::vector<config::ModelAssignment>, int> assignments_of(
    const config::Profile& p, const std::vector<std::string>& words) {
  std::vector<config::ModelAssignment> out;
  if (words.size() == 1 && !config::is_assignment(words[0])) {
    auto it = p.presets.find(words[0]);
    if (it == p.presets.end()) {
      std::string names;
      for (const auto& [name, tiers] : p.presets) {
        names += (names.empty() ? "" : ", ") + name;
      }
      std::cerr << "ccproxy model: " << p.name << " has no preset '" << words[0] << "' ("
                << (names.empty() ? "it has no [presets.NAME]" : "presets: " + names) << ")\n";
      return fail(kExitFailure);
    }
    for (const auto& [tier, model] : it->second) {
      out.push_back({tier, "", model});
    }
    return out;
  }
  for (const auto& w : words) {
    auto a = config::parse_assignment(w);
    if (!a) {
      return fail(usage_error(kModelCommand, a.error()));
    }
    out.push_back(*a);
  }
  return out;
}

// Checks the edited text as `check` would and writes it over the profile (mode kept).
int write_checked(const config::Home& home, const config::Profile& p, const std::string& text) {
  std::vector<config::Diagnostic> env_problems;
  config::Environment env = config::Environment::from_process(home, &env_problems);
  config::Fleet next = config::load_fleet(home, env, config::ProfileText{p.name, text});
  auto problems = next.problems_of(p.name);
  if (!problems.empty()) {
    for (const auto& d : problems) {
      std::cerr << "ccproxy model: " << d.str() << "\n";
    }
    std::cerr << "ccproxy model: nothing was changed\n";
    return kExitFailure;
  }
  struct stat st {};
  const mode_t mode = ::stat(p.file.c_str(), &st) == 0 ? (st.st_mode & 07777) : 0600;
  if (auto w = replace_file(p.file, text, mode); !w) {
    std::cerr << "ccproxy model: " << w.error() << "\n";
    return kExitFailure;
  }
  return kExitOk;
}

// Hands the running worker over to one with the new models.
int apply(const Invocation& inv, const std::string& name) {
  if (!sv::supervisor_running(inv.home)) {
    std::cout << "the fleet is not running: " << name
              << " uses the new models from its next start\n";
    return kExitOk;
  }
  auto reply = sv::SupervisorClient(inv.home).reload(std::chrono::seconds(10), {name});
  if (!reply) {
    for (const auto& p : reply.error().problems) {
      std::cerr << "ccproxy model: " << p << "\n";
    }
    std::cerr << "ccproxy model: " << reply.error().message << "\n";
    return kExitFailure;
  }
  if (reply->changed.empty()) {
    return kExitOk;
  }
  config::Fleet fleet = sv::load_home_fleet(inv.home);
  sv::StatusReport report =
      sv::wait_and_print_status(inv.home, fleet, rolling_bound(fleet.supervisor, 1),
                                [](const sv::StatusReply& status) { return status.settled; });
  return sv::rows_healthy(report, {name}) ? kExitOk : kExitFailure;
}

int run(const Invocation& inv) {
  std::vector<std::string> words;
  ArgParser parser;
  parser.positionals(&words, 1, 64);
  if (auto err = parser.parse(inv.args)) {
    return usage_error(kModelCommand, *err);
  }
  const std::string name = words[0];
  words.erase(words.begin());
  config::Fleet fleet = sv::load_home_fleet(inv.home);
  const config::Profile* p = fleet.find(name);
  if (p == nullptr) {
    for (const auto& d : fleet.problems_of(name)) {
      std::cerr << "ccproxy model: " << d.str() << "\n";
    }
    std::cerr << "ccproxy model: no valid profile '" << name << "' ("
              << (inv.home.profiles_dir() / (name + ".toml")).string() << ")\n";
    return kExitFailure;
  }
  if (words.empty()) {
    show(*p);
    return kExitOk;
  }
  auto assignments = assignments_of(*p, words);
  if (!assignments) {
    return assignments.error();
  }
  const std::string before = read_text(p->file);
  auto edited = config::set_models(before, *assignments);
  if (!edited) {
    std::cerr << "ccproxy model: " << p->file.string() << ": " << edited.error()
              << "; nothing was changed\n";
    return kExitFailure;
  }
  if (*edited == before) {
    std::cout << name << ": no change\n";
    return kExitOk;
  }
  if (int rc = write_checked(inv.home, *p, *edited); rc != kExitOk) {
    return rc;
  }
  for (const auto& a : *assignments) {
    std::cout << name << ": " << a.tier << (a.upstream.empty() ? "" : "@" + a.upstream) << " = "
              << a.model << "\n";
  }
  return apply(inv, name);
}

}  // namespace

const Command kModelCommand{
    "model", "model NAME [TIER=MODEL... | TIER@UPSTREAM=MODEL... | PRESET]",
    "show or switch a profile's models (no request lost)",
    "  ccproxy model NAME                  the tiers, what each Claude model maps to, presets\n"
    "  ccproxy model NAME big=M [small=M]  switch tiers (big, middle, small, vision, long,\n"
    "                                      think) in profiles/NAME.toml\n"
    "  ccproxy model NAME big@UP=M         a tier of the [[upstreams]] named UP\n"
    "  ccproxy model NAME PRESET           switch to the tiers of [presets.PRESET]\n"
    "\n"
    "Only the changed lines of the profile change (comments and layout are kept). The edit is\n"
    "checked like `ccproxy check` before it is written (atomically); a bad value changes\n"
    "nothing. A running worker is then replaced without refusing a connection: streams open\n"
    "during the switch finish on the old models.\n",
    run};

}  // namespace ccproxy::cmd
