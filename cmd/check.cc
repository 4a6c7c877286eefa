// ccproxy check: load and validate the whole fleet; print every problem, or one line per
// profile when all is well. Secrets are shown redacted at most.

#include <iostream>

#include "cmd/args.h"
#include "cmd/command.h"
#include "common/secret.h"
#include "config/profile.h"

namespace ccproxy::cmd {
namespace {

std::string pad(std::string s, std::size_t width) {
  if (s.size() < width) {
    s.resize(width, ' ');
  }
  return s;
}

int run(const Invocation& inv) {
  ArgParser parser;
  if (auto err = parser.parse(inv.args)) {
    return usage_error(kCheckCommand, *err);
  }
  std::vector<config::Diagnostic> problems;
  config::Environment env = config::Environment::from_process(inv.home, &problems);
  config::Fleet fleet = config::load_fleet(inv.home, env);
  problems.insert(problems.end(), fleet.problems.begin(), fleet.problems.end());
  if (!problems.empty()) {
    for (const auto& p : problems) {
      std::cerr << p.str() << "\n";
    }
    std::cerr << "ccproxy check: " << problems.size()
              << (problems.size() == 1 ? " problem" : " problems") << " in "
              << inv.home.root.string() << "\n";
    return kExitFailure;
  }
  std::size_t name_width = 4;
  for (const auto& p : fleet.profiles) {
    name_width = std::max(name_width, p.name.size());
  }
  for (const auto& p : fleet.profiles) {
    const auto& w = p.worker;
    std::string line =
        pad(p.name, name_width) + "  " + w.host + ":" + std::to_string(w.port) + "  " +
        w.upstream.base_url + "  " +
        (w.upstream.format == worker::UpstreamFormat::openai ? "openai" : "anthropic") +
        "  big=" + w.models.big + " middle=" + w.models.middle + " small=" + w.models.small +
        "  key=" + redact_secret(w.upstream.api_key);
    if (!w.client_api_key.empty()) {
      line += "  client_key=" + redact_secret(w.client_api_key);
    }
    std::cout << line << "\n";
  }
  return kExitOk;
}

}  // namespace

const Command kCheckCommand{
    "check", "check", "validate every profile and say what is wrong",
    "Loads ccproxy.toml, .env and every profiles/*.toml from the home, resolves ${VAR}\n"
    "values and checks every setting. Prints every problem at once, one per line, as\n"
    "FILE:LINE: KEY: MESSAGE, and exits 1. When all is well, prints one line per profile\n"
    "(name, address, upstream URL, format, models, redacted key) and exits 0.\n"
    "Secrets are never printed.\n",
    run};

}  // namespace ccproxy::cmd
