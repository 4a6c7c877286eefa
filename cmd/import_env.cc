// ccproxy import-env: convert legacy per-provider .env files into profiles/<name>.toml.

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>

#include "cmd/args.h"
#include "cmd/command.h"
#include "common/new_file.h"
#include "config/environment.h"
#include "config/legacy_env.h"
#include "config/load_fleet.h"
#include "config/validate.h"
#include "worker/convert/providers/carry.h"
#include "worker/convert/providers/resolve.h"

namespace ccproxy::cmd {
namespace {

// The profile name for `file`: --name, else what the legacy file name says; nullopt (said on
// stderr after `prefix`) when there is none or it is not a valid name.
std::optional<std::string> profile_name_for(const std::string& file, const std::string& name_flag,
                                            const std::string& prefix) {
  std::optional<std::string> name = name_flag;
  if (name_flag.empty()) {
    name = config::profile_name_for_legacy_file(std::filesystem::path(file).filename().string());
  }
  if (!name) {
    std::cerr << prefix << "cannot tell the profile name from the file name; use --name NAME\n";
    return std::nullopt;
  }
  if (auto err = config::check_profile_name(*name)) {
    std::cerr << prefix << *err << (name_flag.empty() ? "; use --name NAME" : "") << "\n";
    return std::nullopt;
  }
  return name;
}

// The text of `file`; nullopt (said on stderr after `prefix`) when it cannot be read.
std::optional<std::string> read_env_file(const std::string& file, const std::string& prefix) {
  std::error_code ec;
  if (std::filesystem::exists(file, ec) && !std::filesystem::is_regular_file(file, ec)) {
    std::cerr << prefix << "not a regular file\n";
    return std::nullopt;
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    std::cerr << prefix << "cannot read: " << std::strerror(errno) << "\n";
    return std::nullopt;
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

struct ImportOptions {
  std::string name_flag;
  bool force = false;
};

// The provider a legacy profile's base URL and big model resolve to.
std::string provider_for(std::string_view base_url, std::string_view model) {
  worker::UpstreamConfig upstream;
  upstream.base_url = std::string(base_url);
  return std::string(
      convert::providers::provider_name(convert::providers::resolve_provider(upstream, model)));
}

// Converts one legacy file and writes profiles/<name>.toml; the name written, or nullopt with
// the reasons on stderr.
std::optional<std::string> import_one(const config::Home& home, const std::string& file,
                                      const ImportOptions& options,
                                      const config::Environment& known) {
  const std::string prefix = "ccproxy import-env: " + file + ": ";
  auto name = profile_name_for(file, options.name_flag, prefix);
  if (!name) {
    return std::nullopt;
  }
  auto text = read_env_file(file, prefix);
  if (!text) {
    return std::nullopt;
  }
  config::LegacyImport result = config::convert_legacy_env(
      *text, std::filesystem::path(file).filename().string(), &known, provider_for);
  for (const auto& w : result.warnings) {
    std::cerr << prefix << "warning: " << w << "\n";
  }
  if (!result.errors.empty()) {
    for (const auto& e : result.errors) {
      std::cerr << prefix << e << "\n";
    }
    std::cerr << prefix << "nothing written\n";
    return std::nullopt;
  }
  std::error_code ec;
  std::filesystem::create_directories(home.profiles_dir(), ec);
  const std::filesystem::path target = home.profiles_dir() / (*name + ".toml");
  const std::string shown = "profiles/" + *name + ".toml";
  mode_t mode = result.has_literal_secret ? 0600 : 0644;
  if (auto err = write_file_via_temp(target, result.toml, options.force, mode)) {
    if (*err == kFileExists) {
      std::cerr << prefix << shown << " already exists; not overwritten (use --force)\n";
    } else {
      std::cerr << prefix << *err << "\n";
    }
    return std::nullopt;
  }
  std::cout << "wrote " << shown << " from " << file << "\n";
  return name;
}

// What was written must load as it stands (a port already taken, a bad ccproxy.toml...); false
// when some profile does not.
bool written_profiles_load(const config::Home& home, const config::Environment& known,
                           const std::vector<std::string>& written) {
  if (written.empty()) {
    return true;
  }
  bool ok = true;
  config::Fleet fleet = config::load_fleet(home, known);
  for (const auto& name : written) {
    bool header = false;
    for (const auto& d : fleet.problems_of(name)) {
      if (!header) {
        std::cerr << "ccproxy import-env: profiles/" << name
                  << ".toml was written but does not validate yet:\n";
        header = true;
      }
      std::cerr << "  " << d.str() << "\n";
      ok = false;
    }
  }
  return ok;
}

int run(const Invocation& inv) {
  std::vector<std::string> files;
  ImportOptions options;
  ArgParser parser;
  parser.positionals(&files, 1, 1000)
      .flag("force", &options.force, 'f')
      .option("name", &options.name_flag);
  if (auto err = parser.parse(inv.args)) {
    return usage_error(kImportEnvCommand, *err);
  }
  if (!options.name_flag.empty() && files.size() > 1) {
    return usage_error(kImportEnvCommand, "--name works with one FILE only");
  }
  std::vector<config::Diagnostic> env_problems;
  config::Environment known = config::Environment::from_process(inv.home, &env_problems);

  int status = kExitOk;
  std::vector<std::string> written;
  for (const auto& file : files) {
    if (auto name = import_one(inv.home, file, options, known)) {
      written.push_back(*name);
    } else {
      status = kExitFailure;
    }
  }
  if (!written_profiles_load(inv.home, known, written)) {
    status = kExitFailure;
  }
  return status;
}

}  // namespace

const Command kImportEnvCommand{
    "import-env", "import-env FILE... [--force] [--name NAME]",
    "convert legacy .env proxy files to profiles",
    "Reads legacy per-provider proxy files (OPENAI_API_KEY, OPENAI_BASE_URL, BIG_MODEL,\n"
    "MIDDLE_MODEL, SMALL_MODEL, PORT, HOST, ANTHROPIC_API_KEY, CUSTOM_HEADER_*,\n"
    "MAX_TOKENS_LIMIT, MIN_TOKENS_LIMIT, REQUEST_TIMEOUT, MAX_RETRIES, LOG_LEVEL) and writes\n"
    "profiles/<name>.toml for each. The name comes from the file name: .env-requesty-glm,\n"
    ".env-glm, .env.glm and glm.env all give 'glm'.\n"
    "\n"
    "options:\n"
    "  --force, -f   overwrite an existing profile\n"
    "  --name NAME   the profile name (one FILE only)\n"
    "\n"
    "A literal key is copied with a warning (keep keys in .env and write \"${NAME}\"); when\n"
    "the key equals a variable already in the environment or .env, the profile refers to\n"
    "that variable instead. Variables without a ccproxy equivalent are reported, not copied.\n",
    run};

}  // namespace ccproxy::cmd
