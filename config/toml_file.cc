#include "config/toml_file.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "config/toml_nesting.h"

namespace ccproxy::config {

std::optional<toml::table> parse_toml_file(const std::filesystem::path& file,
                                           const std::filesystem::path& shown,
                                           const std::string& profile,
                                           std::vector<Diagnostic>* problems) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    problems->push_back(
        {shown, 0, "", std::string("cannot read: ") + std::strerror(errno), profile});
    return std::nullopt;
  }
  std::ostringstream read;
  read << in.rdbuf();
  return parse_toml_text(std::move(read).str(), shown, profile, problems);
}

std::optional<toml::table> parse_toml_text(const std::string& text,
                                           const std::filesystem::path& shown,
                                           const std::string& profile,
                                           std::vector<Diagnostic>* problems) {
  if (auto line = find_excess_nesting(text)) {
    problems->push_back({shown, *line, "",
                         "TOML nested too deeply (more than " + std::to_string(kMaxTomlNesting) +
                             " levels of tables, arrays or dotted keys)",
                         profile});
    return std::nullopt;
  }
  try {
    return toml::parse(text, shown.generic_string());
  } catch (const toml::parse_error& e) {
    std::string what =
        e.description().empty() ? std::string(e.what()) : std::string(e.description());
    problems->push_back({shown, static_cast<int>(e.source().begin.line), "",
                         "TOML syntax error: " + what, profile});
  } catch (const std::exception& e) {
    problems->push_back({shown, 0, "", std::string("cannot parse: ") + e.what(), profile});
  }
  return std::nullopt;
}

}  // namespace ccproxy::config
