#pragma once
// Reads settings from layered TOML tables (a profile file over ccproxy.toml's [defaults]):
// a key comes from the first layer that has it. Every problem becomes a Diagnostic pointing
// at the file and line of the offending value, named by its dotted key.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <toml++/toml.h>

#include "config/diagnostic.h"
#include "config/environment.h"

namespace ccproxy::config {

struct Layer {
  const toml::table* table = nullptr;  // null: this layer has no such table
  std::string prefix;                  // shown before keys from this layer: "" or "defaults."
};

/// Where problems go, what they are attributed to, and the variables for ${VAR}.
struct ReadContext {
  std::vector<Diagnostic>* problems = nullptr;
  const Environment* env = nullptr;
  std::string profile;                 // Diagnostic.profile for values of the profile's own file
  std::filesystem::path profile_file;  // where "missing key" problems point (display path)
};

class TableReader {
 public:
  struct Found {
    const toml::node* node = nullptr;
    const Layer* layer = nullptr;
  };

  TableReader(ReadContext& ctx, std::vector<Layer> layers, std::string path);

  std::optional<Found> find(std::string_view key) const;
  bool has(std::string_view key) const { return find(key).has_value(); }

  /// A string with ${VAR} resolved; nullopt when absent or wrong (a problem is recorded).
  std::optional<std::string> string(std::string_view key);
  std::optional<int64_t> integer(std::string_view key, int64_t min, int64_t max);
  /// An integer or float in (0, max] when positive_only, else [0, max].
  std::optional<double> number(std::string_view key, bool positive_only, double max);
  /// number() as a duration: seconds rounded to milliseconds, where a positive value never
  /// rounds down to zero.
  std::optional<std::chrono::milliseconds> seconds(std::string_view key, bool positive_only,
                                                   double max);
  std::optional<bool> boolean(std::string_view key);
  /// An array of strings, each with ${VAR} resolved; nullopt when absent or when any element
  /// is wrong (each wrong element is a problem: "item 2: ...").
  std::optional<std::vector<std::string>> strings(std::string_view key);

  /// The sub-table `key` of every layer (a non-table value is a problem and is skipped).
  TableReader table(std::string_view key);

  /// Records a problem for every key of every layer that is not in `known`.
  void reject_unknown(std::initializer_list<std::string_view> known);
  void missing(std::string_view key, std::string_view message = "required key is missing");
  void problem(const Found& at, std::string_view key, std::string message);

  std::string key_path(std::string_view key) const;
  const std::vector<Layer>& layers() const { return layers_; }
  ReadContext& context() { return ctx_; }

 private:
  ReadContext& ctx_;
  std::vector<Layer> layers_;
  std::string path_;  // dotted path of this table ("" for the root)
};

/// "a string", "an integer", ... for type errors.
std::string describe_type(const toml::node& node);
/// A TOML key as written in a dotted path: bare when possible, else quoted.
std::string quote_key(std::string_view key);

}  // namespace ccproxy::config
