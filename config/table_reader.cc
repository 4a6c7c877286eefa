#include "config/table_reader.h"

#include <algorithm>
#include <cmath>

#include "common/text.h"
#include "config/interpolate.h"

namespace ccproxy::config {

std::string describe_type(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a floating-point number";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::date:
      return "a date";
    case toml::node_type::time:
      return "a time";
    case toml::node_type::date_time:
      return "a date-time";
    default:
      return "nothing";
  }
}

std::string quote_key(std::string_view key) {
  bool bare = !key.empty();
  for (char c : key) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-';
    bare = bare && ok;
  }
  if (bare) {
    return std::string(key);
  }
  std::string out = "\"";
  for (char c : key) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      out.append("\\u00");
      const char* hex = "0123456789abcdef";
      out.push_back(hex[(c >> 4) & 0xf]);
      out.push_back(hex[c & 0xf]);
    } else {
      out.push_back(c);
    }
  }
  out.push_back('"');
  return out;
}

TableReader::TableReader(ReadContext& ctx, std::vector<Layer> layers, std::string path)
    : ctx_(ctx), layers_(std::move(layers)), path_(std::move(path)) {}

std::string TableReader::key_path(std::string_view key) const {
  std::string k = quote_key(key);
  return path_.empty() ? k : path_ + "." + k;
}

std::optional<TableReader::Found> TableReader::find(std::string_view key) const {
  for (const auto& layer : layers_) {
    if (layer.table == nullptr) {
      continue;
    }
    if (const toml::node* node = layer.table->get(key)) {
      return Found{node, &layer};
    }
  }
  return std::nullopt;
}

void TableReader::problem(const Found& at, std::string_view key, std::string message) {
  Diagnostic d;
  const auto& src = at.node->source();
  d.file = src.path ? std::filesystem::path(*src.path) : ctx_.profile_file;
  d.line = static_cast<int>(src.begin.line);
  d.key = at.layer->prefix + key_path(key);
  d.message = std::move(message);
  d.profile = d.file == ctx_.profile_file ? ctx_.profile : std::string();
  ctx_.problems->push_back(std::move(d));
}

void TableReader::missing(std::string_view key, std::string_view message) {
  Diagnostic d;
  d.file = ctx_.profile_file;
  // Point at the profile's own [table] header when it has one (the root has no header).
  for (const auto& layer : layers_) {
    if (!path_.empty() && layer.table != nullptr && layer.prefix.empty() &&
        layer.table->source().path &&
        std::filesystem::path(*layer.table->source().path) == ctx_.profile_file) {
      d.line = static_cast<int>(layer.table->source().begin.line);
    }
  }
  d.key = key_path(key);
  d.message = std::string(message);
  d.profile = ctx_.profile;
  ctx_.problems->push_back(std::move(d));
}

std::optional<std::string> TableReader::string(std::string_view key) {
  auto found = find(key);
  if (!found) {
    return std::nullopt;
  }
  const auto* s = found->node->as_string();
  if (s == nullptr) {
    problem(*found, key, "expected a string, got " + describe_type(*found->node));
    return std::nullopt;
  }
  auto value = interpolate(s->get(), *ctx_.env);
  if (!value) {
    problem(*found, key, value.error());
    return std::nullopt;
  }
  return std::move(value).value();
}

std::optional<int64_t> TableReader::integer(std::string_view key, int64_t min, int64_t max) {
  auto found = find(key);
  if (!found) {
    return std::nullopt;
  }
  const auto* i = found->node->as_integer();
  if (i == nullptr) {
    problem(*found, key, "expected an integer, got " + describe_type(*found->node));
    return std::nullopt;
  }
  int64_t v = i->get();
  if (v < min || v > max) {
    problem(*found, key,
            std::to_string(v) + " is out of range (" + std::to_string(min) + " to " +
                std::to_string(max) + ")");
    return std::nullopt;
  }
  return v;
}

std::optional<double> TableReader::number(std::string_view key, bool positive_only, double max) {
  auto found = find(key);
  if (!found) {
    return std::nullopt;
  }
  double v = 0;
  if (const auto* i = found->node->as_integer()) {
    v = static_cast<double>(i->get());
  } else if (const auto* f = found->node->as_floating_point()) {
    v = f->get();
  } else {
    problem(*found, key, "expected a number, got " + describe_type(*found->node));
    return std::nullopt;
  }
  if (std::isnan(v)) {
    problem(*found, key, "expected a number, got nan");
    return std::nullopt;
  }
  if (positive_only && v <= 0) {
    problem(*found, key, "must be greater than 0");
    return std::nullopt;
  }
  if (v < 0) {
    problem(*found, key, "must not be negative");
    return std::nullopt;
  }
  if (v > max) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "must be at most %g", max);
    problem(*found, key, buf);
    return std::nullopt;
  }
  return v;
}

std::optional<std::chrono::milliseconds> TableReader::seconds(std::string_view key,
                                                              bool positive_only, double max) {
  auto v = number(key, positive_only, max);
  if (!v) {
    return std::nullopt;
  }
  const auto ms = static_cast<int64_t>(std::llround(*v * 1000.0));
  return std::chrono::milliseconds(std::max<int64_t>(ms, *v > 0 ? 1 : 0));
}

std::optional<bool> TableReader::boolean(std::string_view key) {
  auto found = find(key);
  if (!found) {
    return std::nullopt;
  }
  const auto* b = found->node->as_boolean();
  if (b == nullptr) {
    problem(*found, key, "expected true or false, got " + describe_type(*found->node));
    return std::nullopt;
  }
  return b->get();
}

std::optional<std::vector<std::string>> TableReader::strings(std::string_view key) {
  auto found = find(key);
  if (!found) {
    return std::nullopt;
  }
  const auto* array = found->node->as_array();
  if (array == nullptr) {
    problem(*found, key, "expected an array of strings, got " + describe_type(*found->node));
    return std::nullopt;
  }
  std::vector<std::string> out;
  bool ok = true;
  for (std::size_t i = 0; i < array->size(); ++i) {
    const toml::node& element = *array->get(i);
    const std::string item = "item " + std::to_string(i + 1) + ": ";
    const Found at{&element, found->layer};
    const auto* s = element.as_string();
    if (s == nullptr) {
      problem(at, key, item + "expected a string, got " + describe_type(element));
      ok = false;
      continue;
    }
    auto value = interpolate(s->get(), *ctx_.env);
    if (!value) {
      problem(at, key, item + value.error());
      ok = false;
      continue;
    }
    out.push_back(std::move(value).value());
  }
  if (!ok) {
    return std::nullopt;
  }
  return out;
}

TableReader TableReader::table(std::string_view key) {
  std::vector<Layer> sub;
  for (const auto& layer : layers_) {
    const toml::table* t = nullptr;
    if (layer.table != nullptr) {
      if (const toml::node* node = layer.table->get(key)) {
        t = node->as_table();
        if (t == nullptr) {
          problem(Found{node, &layer}, key, "expected a table, got " + describe_type(*node));
        }
      }
    }
    sub.push_back(Layer{t, layer.prefix});
  }
  return TableReader(ctx_, std::move(sub), key_path(key));
}

void TableReader::reject_unknown(std::initializer_list<std::string_view> known) {
  for (const auto& layer : layers_) {
    if (layer.table == nullptr) {
      continue;
    }
    for (const auto& [k, node] : *layer.table) {
      bool ok = false;
      for (auto name : known) {
        ok = ok || k.str() == name;
      }
      if (!ok) {
        std::string message = "unknown key";
        std::size_t best = 3;
        for (auto name : known) {
          std::size_t d = edit_distance(k.str(), name);
          if (d < best && d < name.size() / 2 + 1) {
            best = d;
            message = "unknown key (did you mean " + std::string(name) + "?)";
          }
        }
        problem(Found{&node, &layer}, k.str(), std::move(message));
      }
    }
  }
}

}  // namespace ccproxy::config
