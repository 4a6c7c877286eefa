// ccproxy check: load and validate the whole fleet; print every problem, or one line per
// profile when all is well. Secrets are shown redacted at most.

#include <sys/stat.h>

#include <iostream>
#include <set>

#include "cmd/args.h"
#include "cmd/command.h"
#include "common/secret.h"
#include "config/load_fleet.h"
#include "worker/convert/providers/carry.h"
#include "worker/convert/providers/resolve.h"

namespace ccproxy::cmd {
namespace {

// What each model slot's model resolves to: "kimi", or "big:gemini,small:glm" when they differ
// (a pinned provider is marked "(pinned)").
std::string providers_line(const worker::UpstreamConfig& u) {
  const auto name = [&](const std::string& model) {
    return std::string(
        convert::providers::provider_name(convert::providers::resolve_provider(u, model)));
  };
  const std::string big = name(u.models.big);
  const std::string middle = name(u.models.middle.empty() ? u.models.big : u.models.middle);
  const std::string small = name(u.models.small.empty() ? u.models.big : u.models.small);
  std::string out =
      big == middle && big == small ? big : "big:" + big + ",middle:" + middle + ",small:" + small;
  if (u.provider != worker::Provider::automatic) {
    out += " (pinned)";
  }
  return out;
}

std::string pad(std::string s, std::size_t width) {
  if (s.size() < width) {
    s.resize(width, ' ');
  }
  return s;
}

/// The routing rules of a profile in the order they are tried, when it sets a routing tier
/// ("" otherwise: the family tier is the only rule).
std::string routing_rules(const worker::WorkerConfig& w) {
  // Each routing tier as the first upstream serving it names it.
  worker::ModelMap m;
  m.passthrough_provider_models = false;
  for (const auto& u : w.upstreams) {
    m.passthrough_provider_models =
        m.passthrough_provider_models || u.models.passthrough_provider_models;
    for (auto [slot, own] : {std::pair{&m.vision, &u.models.vision},
                             std::pair{&m.long_context, &u.models.long_context},
                             std::pair{&m.think, &u.models.think}}) {
      if (slot->empty()) {
        *slot = *own;
      }
    }
  }
  if (m.vision.empty() && m.long_context.empty() && m.think.empty()) {
    return "";
  }
  std::string rules = m.passthrough_provider_models ? "vendor/model as sent, " : "";
  if (!m.vision.empty()) {
    rules += "image -> " + m.vision + ", ";
  }
  if (!m.long_context.empty()) {
    rules += "input above " + std::to_string(w.routing.long_context_tokens) + " tokens -> " +
             m.long_context + ", ";
  }
  if (!m.think.empty()) {
    rules += "thinking -> " + m.think + ", ";
  }
  return rules + "else big/middle/small";
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
    // One hint per variable that is missing, however many profiles use it.
    std::set<std::string> missing;
    for (const auto& p : problems) {
      static constexpr std::string_view kPrefix = "variable ";
      static constexpr std::string_view kSuffix = " is not set (environment or .env)";
      std::string_view m = p.message;
      if (m.starts_with(kPrefix) && m.ends_with(kSuffix)) {
        missing.insert(
            std::string(m.substr(kPrefix.size(), m.size() - kPrefix.size() - kSuffix.size())));
      }
    }
    for (const auto& name : missing) {
      std::cerr << "hint: export " << name << "=... or add a line " << name << "=... to "
                << inv.home.env_file().string() << "\n";
    }
    std::cerr << "ccproxy check: " << problems.size()
              << (problems.size() == 1 ? " problem" : " problems") << " in "
              << inv.home.root.string() << "\n";
    return kExitFailure;
  }
  // Not a problem, but worth knowing: the file with the keys is readable by other users.
  struct stat st {};
  if (::stat(inv.home.env_file().c_str(), &st) == 0 && (st.st_mode & 0077) != 0) {
    std::cerr << "warning: " << inv.home.env_file().string()
              << " holds secrets but other users may read it (chmod 600 it)\n";
  }
  std::size_t name_width = 4;
  for (const auto& p : fleet.profiles) {
    name_width = std::max(name_width, p.name.size());
  }
  for (const auto& p : fleet.profiles) {
    const auto& w = p.worker;
    const std::string host = w.host.find(':') != std::string::npos ? "[" + w.host + "]" : w.host;
    std::string line = pad(p.name, name_width) + "  " + host + ":" + std::to_string(w.port);
    for (std::size_t i = 0; i < w.upstreams.size(); ++i) {
      const auto& u = w.upstreams[i];
      std::string keys = redact_secret(u.first_key());
      for (std::size_t k = 1; k < u.api_keys.size(); ++k) {
        keys += "," + redact_secret(u.api_keys[k]);
      }
      if (i > 0) {
        line += "\n" + std::string(name_width, ' ') + "  " + std::string(host.size() + 6, ' ');
      }
      line += "  " + (w.upstreams.size() > 1 ? u.name + "=" : std::string()) + u.base_url + "  " +
              (u.format == worker::UpstreamFormat::openai ? "openai" : "anthropic") +
              "  big=" + (u.models.big.empty() ? "-" : u.models.big) +
              " middle=" + (u.models.middle.empty() ? "-" : u.models.middle) +
              " small=" + (u.models.small.empty() ? "-" : u.models.small) + "  key=" + keys;
      if (u.format == worker::UpstreamFormat::openai) {
        line += "  provider=" + providers_line(u);
      }
    }
    if (!w.client_api_key.empty()) {
      line += "  client_key=" + redact_secret(w.client_api_key);
    }
    std::cout << line << "\n";
    if (std::string rules = routing_rules(w); !rules.empty()) {
      std::cout << pad("", name_width) << "  routing: " << rules << "\n";
    }
  }
  return kExitOk;
}

}  // namespace

const Command kCheckCommand{
    "check", "check", "validate every profile and say what is wrong",
    "Loads ccproxy.toml, .env and every profiles/*.toml from the home, resolves ${VAR}\n"
    "values and checks every setting. Prints every problem at once, one per line, as\n"
    "FILE:LINE: KEY: MESSAGE, and exits 1. When all is well, prints one line per profile\n"
    "(name, address, upstream URL, format, models, redacted key), and under a profile\n"
    "with routing tiers its rules in the order they are tried, and exits 0.\n"
    "Secrets are never printed.\n",
    run};

}  // namespace ccproxy::cmd
