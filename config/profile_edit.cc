#include "config/profile_edit.h"

#include <optional>
#include <sstream>

#include <toml++/toml.h>

#include "config/toml_text.h"
#include "worker/worker_config.h"

namespace ccproxy::config {
namespace {

std::string tier_list() {
  std::string out;
  for (auto t : worker::kAllTiers) {
    out += (out.empty() ? "" : ", ") + std::string(worker::tier_name(t));
  }
  return out;
}

std::string_view trim(std::string_view s) {
  const auto b = s.find_first_not_of(" \t");
  if (b == std::string_view::npos) {
    return {};
  }
  const auto e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

// One line of the text, its line break included.
struct Line {
  std::size_t begin = 0;
  std::string_view text;
};

std::vector<Line> split_lines(const std::string& text) {
  std::vector<Line> out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto nl = text.find('\n', pos);
    const std::size_t end = nl == std::string::npos ? text.size() : nl + 1;
    out.push_back({pos, std::string_view(text).substr(pos, end - pos)});
    pos = end;
  }
  return out;
}

// A table header line: "[a.b]" -> "a.b", "[[a]]" -> "a" with `array`; spaces and quotes
// around key parts are dropped. nullopt for any other line.
struct Header {
  std::string name;
  bool array = false;
};

std::optional<Header> header_of(std::string_view line) {
  std::string_view t = trim(line.substr(0, line.find('#')));
  if (t.size() < 2 || t.front() != '[' || t.back() != ']') {
    return std::nullopt;
  }
  Header h;
  h.array = t.size() >= 4 && t.substr(0, 2) == "[[" && t.substr(t.size() - 2) == "]]";
  t = h.array ? t.substr(2, t.size() - 4) : t.substr(1, t.size() - 2);
  for (char c : t) {
    if (c != ' ' && c != '\t' && c != '"' && c != '\'') {
      h.name += c;
    }
  }
  return h;
}

// The key of a `key = value` line (bare or quoted), or "" for any other line.
std::string key_of(std::string_view line) {
  std::string_view t = trim(line);
  if (t.empty() || t.front() == '#' || t.front() == '[') {
    return "";
  }
  const auto eq = t.find('=');
  if (eq == std::string_view::npos) {
    return "";
  }
  std::string_view k = trim(t.substr(0, eq));
  if (k.size() >= 2 && (k.front() == '"' || k.front() == '\'') && k.back() == k.front()) {
    k = k.substr(1, k.size() - 2);
  }
  return std::string(k);
}

// The offset just past a one-line value starting at `v` in `line`; nullopt for values this
// editor does not rewrite (multi-line strings, arrays, inline tables).
std::optional<std::size_t> value_end(std::string_view line, std::size_t v) {
  if (line.substr(v, 3) == "\"\"\"" || line.substr(v, 3) == "'''" || v >= line.size() ||
      line[v] == '[' || line[v] == '{') {
    return std::nullopt;
  }
  if (line[v] == '"' || line[v] == '\'') {
    const char q = line[v];
    for (std::size_t i = v + 1; i < line.size(); ++i) {
      if (q == '"' && line[i] == '\\') {
        ++i;
      } else if (line[i] == q) {
        return i + 1;
      } else if (line[i] == '\n') {
        break;
      }
    }
    return std::nullopt;
  }
  std::size_t e = line.find_first_of("#\r\n", v);
  e = e == std::string_view::npos ? line.size() : e;
  while (e > v && (line[e - 1] == ' ' || line[e - 1] == '\t')) {
    --e;
  }
  return e;
}

// A section of the text: a table's header line and the lines up to the next header.
struct Section {
  Header header;      // name "" for the top of the file
  std::size_t first;  // index of the header line (or 0 for the top)
  std::size_t end;    // one past its last line
};

std::vector<Section> sections_of(const std::vector<Line>& lines) {
  std::vector<Section> out{{Header{}, 0, lines.size()}};
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (auto h = header_of(lines[i].text)) {
      out.back().end = i;
      out.push_back({*h, i, lines.size()});
    }
  }
  return out;
}

// The [[upstreams]] section whose `name` is `upstream` (index into sections), or nullopt.
std::optional<std::size_t> upstream_section(const std::string& text, const std::vector<Line>& lines,
                                            const std::vector<Section>& sections,
                                            const std::string& upstream) {
  for (std::size_t s = 0; s < sections.size(); ++s) {
    if (!sections[s].header.array || sections[s].header.name != "upstreams") {
      continue;
    }
    for (std::size_t i = sections[s].first + 1; i < sections[s].end; ++i) {
      if (key_of(lines[i].text) != "name") {
        continue;
      }
      try {
        auto t = toml::parse("name = " +
                             std::string(trim(lines[i].text.substr(lines[i].text.find('=') + 1))));
        if (t["name"].value<std::string>() == upstream) {
          return s;
        }
      } catch (const toml::parse_error&) {
      }
    }
  }
  (void)text;
  return std::nullopt;
}

// Where a table's text is written: the header of the table to edit (its section index), or
// where a new table goes.
struct Target {
  std::optional<std::size_t> section;  // the table exists
  std::size_t insert_at = 0;           // line index for a new table
  std::string header;                  // the new table's header line
};

Result<Target> find_target(const std::string& text, const std::vector<Line>& lines,
                           const std::vector<Section>& sections, const ModelAssignment& a) {
  Target t;
  if (a.upstream.empty()) {
    bool pooled = false;
    for (std::size_t s = 0; s < sections.size(); ++s) {
      pooled = pooled || (sections[s].header.array && sections[s].header.name == "upstreams");
      if (!sections[s].header.array && sections[s].header.name == "models") {
        t.section = s;
      }
    }
    if (!t.section && pooled) {
      return fail(std::string("this profile has [[upstreams]] and no [models]: name the "
                              "upstream, e.g. ") +
                  a.tier + "@UPSTREAM=" + a.model);
    }
    t.insert_at = lines.size();
    t.header = "[models]";
    return t;
  }
  auto up = upstream_section(text, lines, sections, a.upstream);
  if (!up) {
    return fail("no [[upstreams]] named '" + a.upstream + "' in this profile");
  }
  std::size_t s = *up + 1;
  for (; s < sections.size(); ++s) {
    const Header& h = sections[s].header;
    if (h.array || h.name.rfind("upstreams.", 0) != 0) {
      break;  // the next table that does not belong to this upstream
    }
    if (h.name == "upstreams.models") {
      t.section = s;
      return t;
    }
  }
  t.insert_at = sections[s - 1].end;
  t.header = "[upstreams.models]";
  return t;
}

}  // namespace

bool is_assignment(std::string_view arg) {
  return arg.find('=') != std::string_view::npos;
}

Result<ModelAssignment> parse_assignment(std::string_view arg) {
  const auto eq = arg.find('=');
  if (eq == std::string_view::npos) {
    return fail("expected TIER=MODEL or TIER@UPSTREAM=MODEL, got '" + std::string(arg) + "'");
  }
  ModelAssignment a;
  std::string_view left = arg.substr(0, eq);
  a.model = std::string(arg.substr(eq + 1));
  if (auto at = left.find('@'); at != std::string_view::npos) {
    a.upstream = std::string(left.substr(at + 1));
    left = left.substr(0, at);
    if (a.upstream.empty()) {
      return fail("'" + std::string(arg) + "': empty upstream name after '@'");
    }
  }
  a.tier = std::string(left);
  bool known = false;
  for (auto t : worker::kAllTiers) {
    known = known || a.tier == worker::tier_name(t);
  }
  if (!known) {
    return fail("unknown tier '" + a.tier + "' (tiers: " + tier_list() + ")");
  }
  if (a.model.empty()) {
    return fail("'" + std::string(arg) + "': the model is empty");
  }
  for (unsigned char c : a.model) {
    if (c < 0x20 || c == 0x7f) {
      return fail("'" + a.tier + "': the model must not contain control characters");
    }
  }
  return a;
}

namespace {

// Writes one assignment into the text.
Result<std::string> set_one(const std::string& text, const ModelAssignment& a) {
  const auto lines = split_lines(text);
  const auto sections = sections_of(lines);
  auto target = find_target(text, lines, sections, a);
  if (!target) {
    return fail(target.error());
  }
  const std::string value = toml_string(a.model);
  if (!target->section) {  // a new table
    std::size_t at =
        target->insert_at < lines.size() ? lines[target->insert_at].begin : text.size();
    std::string block;
    if (at > 0 && text[at - 1] != '\n') {
      block += "\n";
    }
    if (at > 0 && !(at >= 2 && text[at - 1] == '\n' && text[at - 2] == '\n')) {
      block += "\n";
    }
    block += target->header + "\n" + a.tier + " = " + value + "\n";
    if (at < text.size()) {
      block += "\n";  // before the table that follows
    }
    return text.substr(0, at) + block + text.substr(at);
  }
  const Section& s = sections[*target->section];
  std::size_t last_key = s.first;
  for (std::size_t i = s.first + 1; i < s.end; ++i) {
    const std::string key = key_of(lines[i].text);
    if (key.empty()) {
      continue;
    }
    last_key = i;
    if (key != a.tier) {
      continue;
    }
    const std::string_view line = lines[i].text;
    std::size_t v = line.find('=') + 1;
    while (v < line.size() && (line[v] == ' ' || line[v] == '\t')) {
      ++v;
    }
    auto end = value_end(line, v);
    if (!end) {
      return fail("line " + std::to_string(i + 1) + ": the value of " + a.tier +
                  " is not a one-line string; edit it by hand");
    }
    return text.substr(0, lines[i].begin + v) + value + text.substr(lines[i].begin + *end);
  }
  // Not in the table yet: a new line after its last key (or its header).
  const Line& after = lines[last_key];
  const bool crlf = after.text.size() >= 2 && after.text.substr(after.text.size() - 2) == "\r\n";
  std::size_t at = after.begin + after.text.size();
  std::string insert = after.text.empty() || after.text.back() != '\n' ? "\n" : "";
  insert += a.tier + " = " + value + (crlf ? "\r\n" : "\n");
  return text.substr(0, at) + insert + text.substr(at);
}

// The value the edited text holds for the assignment's tier, read back by toml++.
std::optional<std::string> read_back(const toml::table& doc, const ModelAssignment& a) {
  if (a.upstream.empty()) {
    return doc["models"][a.tier].value<std::string>();
  }
  const toml::array* ups = doc["upstreams"].as_array();
  if (ups == nullptr) {
    return std::nullopt;
  }
  for (const auto& u : *ups) {
    const toml::table* t = u.as_table();
    if (t != nullptr && (*t)["name"].value<std::string>() == a.upstream) {
      return (*t)["models"][a.tier].value<std::string>();
    }
  }
  return std::nullopt;
}

}  // namespace

Result<std::string> set_models(const std::string& text,
                               const std::vector<ModelAssignment>& assignments) {
  std::string out = text;
  for (const auto& a : assignments) {
    auto next = set_one(out, a);
    if (!next) {
      return next;
    }
    out = std::move(*next);
  }
  toml::table doc;
  try {
    doc = toml::parse(out);
  } catch (const toml::parse_error& e) {
    std::ostringstream why;
    why << e.description();
    return fail("the edited profile would not be valid TOML (" + why.str() + "); edit it by hand");
  }
  for (const auto& a : assignments) {
    // Profile values are ${VAR}-interpolated: a '$' of the model is written as "$$".
    std::string raw;
    for (char c : a.model) {
      raw += c == '$' ? "$$" : std::string(1, c);
    }
    if (read_back(doc, a) != raw) {
      return fail("cannot write " + a.tier + (a.upstream.empty() ? "" : "@" + a.upstream) +
                  " into this file's layout line by line; edit it by hand");
    }
  }
  return out;
}

}  // namespace ccproxy::config
