// ccproxy init [DIR] [--force]: a new home with the shipped profiles, logs/, pids/ and a .env
// template. An existing file is kept unless --force is given; then it is saved as FILE.bak first.

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cmd/args.h"
#include "cmd/command.h"
#include "cmd/embedded_files.h"
#include "common/new_file.h"

namespace ccproxy::cmd {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kEnvTemplate =
    "# Variables for this home's profiles: NAME=value, one per line. The environment wins over\n"
    "# this file. Keep it private (chmod 600): it holds your provider keys.\n"
    "#\n"
    "# The shipped profiles read REQUESTY_API_KEY; remove the '#' and put your key after '='.\n"
    "# REQUESTY_API_KEY=\n";

class Initializer {
 public:
  Initializer(fs::path root, bool force) : root_(std::move(root)), force_(force) {}

  // A directory of the home (or the home itself when `rel` is empty) with `mode`; an existing
  // one is kept, but a private one (0700) that others may read is tightened.
  void directory(const std::string& rel, mode_t mode) {
    fs::path path = rel.empty() ? root_ : root_ / rel;
    std::string shown = rel.empty() ? root_.string() : rel + "/";
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0) {
      if (!S_ISDIR(st.st_mode)) {
        fail(shown, "exists and is not a directory");
        return;
      }
      if ((mode & 077) == 0 && (st.st_mode & 077) != 0) {
        if (::chmod(path.c_str(), mode) != 0) {
          fail(shown, std::string("cannot chmod: ") + std::strerror(errno));
          return;
        }
        say("tightened", shown, "mode " + mode_text(mode));
        return;
      }
      say("kept", shown, "");
      return;
    }
    std::error_code ec;
    if (rel.empty()) {
      fs::create_directories(path.parent_path(), ec);
    }
    if (::mkdir(path.c_str(), mode) != 0 && errno != EEXIST) {
      fail(shown, std::string("cannot create: ") + std::strerror(errno));
      return;
    }
    ::chmod(path.c_str(), mode);  // the umask may have narrowed it
    say("created", shown, "mode " + mode_text(mode));
  }

  // A file of the home: created, kept (exists, no --force), unchanged (same bytes) or replaced
  // (--force; the previous file is saved beside it first).
  void file(const std::string& rel, std::string_view text, mode_t mode) {
    fs::path path = root_ / rel;
    std::error_code ec;
    bool exists = fs::symlink_status(path, ec).type() != fs::file_type::not_found;
    if (exists && !fs::is_regular_file(fs::symlink_status(path, ec))) {
      fail(rel, "exists and is not a regular file; left alone");
      return;
    }
    if (exists && read_all(path) == text) {
      say("unchanged", rel, "");
      return;
    }
    if (exists && !force_) {
      say("kept", rel, "exists and differs; --force replaces it");
      ++kept_;
      return;
    }
    std::string backup;
    if (exists) {
      auto b = save_backup(path);
      if (!b) {
        fail(rel, "cannot save the current file before replacing it: " + last_error_);
        return;
      }
      backup =
          fs::path(rel).parent_path().empty() ? *b : (fs::path(rel).parent_path() / *b).string();
    }
    if (auto err = write_file_via_temp(path, text, exists, mode)) {
      fail(rel, *err == kFileExists ? "appeared while writing; left alone" : *err);
      return;
    }
    if (exists) {
      say("replaced", rel, "the previous one is " + backup);
    } else {
      say("created", rel, "mode " + mode_text(mode));
    }
  }

  bool failed() const { return failed_; }
  int kept() const { return kept_; }

 private:
  static std::string mode_text(mode_t mode) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
    return buf;
  }

  static std::string read_all(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
  }

  // Hard-links the current file to the first free FILE.bak, FILE.bak.1 ...; its name.
  std::optional<std::string> save_backup(const fs::path& path) {
    for (int i = 0; i < 100; ++i) {
      fs::path backup = path;
      backup += i == 0 ? ".bak" : ".bak." + std::to_string(i);
      if (::link(path.c_str(), backup.c_str()) == 0) {
        return backup.filename().string();
      }
      if (errno != EEXIST) {
        last_error_ = std::strerror(errno);
        return std::nullopt;
      }
    }
    last_error_ = "too many backups";
    return std::nullopt;
  }

  void say(std::string_view what, const std::string& path, const std::string& note) {
    std::string label(what);
    label.resize(10, ' ');
    std::cout << "  " << label << path << (note.empty() ? "" : " (" + note + ")") << "\n";
  }

  void fail(const std::string& path, const std::string& why) {
    std::cerr << "ccproxy init: " << (root_ / path).string() << ": " << why << "\n";
    failed_ = true;
  }

  fs::path root_;
  bool force_;
  bool failed_ = false;
  int kept_ = 0;
  std::string last_error_;
};

void print_next_steps(const fs::path& root) {
  std::string home = root.string();
  std::cout << "next:\n"
            << "  put your Requesty key in " << (root / ".env").string()
            << " (REQUESTY_API_KEY=...)\n"
            << "  ccproxy --home " << home << " check\n"
            << "  ccproxy --home " << home << " start\n";
}

int run(const Invocation& inv) {
  bool force = false;
  std::vector<std::string> words;
  ArgParser parser;
  parser.flag("force", &force, 'f').positionals(&words, 0, 1);
  if (auto err = parser.parse(inv.args)) {
    return usage_error(kInitCommand, *err);
  }
  std::error_code ec;
  fs::path root = fs::absolute(words.empty() ? inv.home.root : fs::path(words[0]), ec);
  if (ec || root.empty()) {
    std::cerr << "ccproxy init: cannot tell where " << (words.empty() ? "." : words[0])
              << " is: " << ec.message() << "\n";
    return kExitFailure;
  }
  root = root.lexically_normal();
  if (root.has_filename() == false && root.has_parent_path() && root != root.root_path()) {
    root = root.parent_path();  // "dir/" -> "dir"
  }
  std::cout << "ccproxy init: " << root.string() << "\n";
  Initializer init(root, force);
  init.directory("", 0755);
  if (init.failed()) {
    return kExitFailure;
  }
  init.directory("profiles", 0755);
  init.directory("logs", 0700);
  init.directory("pids", 0700);
  for (const auto& profile : shipped_profiles()) {
    init.file("profiles/" + std::string(profile.name), profile.text, 0644);
  }
  init.file(".env", kEnvTemplate, 0600);
  if (init.failed()) {
    std::cerr << "ccproxy init: " << root.string() << " is not complete; see above\n";
    return kExitFailure;
  }
  if (init.kept() > 0) {
    std::cout << "kept " << init.kept() << " existing "
              << (init.kept() == 1 ? "file that differs" : "files that differ")
              << " from the shipped one; --force replaces them (each saved as FILE.bak first)\n";
  }
  print_next_steps(root);
  return kExitOk;
}

}  // namespace

const Command kInitCommand{
    "init", "init [DIR] [--force]", "create a home: shipped profiles, logs/, pids/, .env template",
    "Creates DIR (default: the home, from --home, $CCPROXY_HOME or the current directory) with\n"
    "profiles/ holding the four shipped profiles (kimi, glm, minimax, gemini), logs/ and pids/\n"
    "(mode 0700), and a .env template (mode 0600) for REQUESTY_API_KEY. Files that exist are\n"
    "kept; identical ones are reported as unchanged. Exit 0 when the home is complete.\n\n"
    "options:\n"
    "  -f, --force   replace files that differ from the shipped ones (the previous file is\n"
    "                saved as FILE.bak, FILE.bak.1 ... first)\n",
    run};

}  // namespace ccproxy::cmd
