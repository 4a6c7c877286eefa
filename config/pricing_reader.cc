#include "config/pricing_reader.h"

#include <set>
#include <string>

namespace ccproxy::config {
namespace {

// Prices above this are surely a unit mistake (USD per token instead of per million...).
constexpr double kMaxPrice = 100'000;

void read_price(TableReader& entry, const std::string& model, usage::PriceTable& out) {
  entry.reject_unknown({"input", "output", "cache_read", "cache_write"});
  usage::Price price;
  bool complete = true;
  for (auto [key, field] : {std::pair{"input", &price.input}, std::pair{"output", &price.output},
                            std::pair{"cache_read", &price.cache_read}}) {
    if (!entry.has(key)) {
      entry.missing(key, "required key is missing (USD per million tokens)");
      complete = false;
    } else if (auto v = entry.number(key, false, kMaxPrice)) {
      *field = *v;
    } else {
      complete = false;
    }
  }
  if (entry.has("cache_write")) {
    if (auto v = entry.number("cache_write", false, kMaxPrice)) {
      price.cache_write = *v;
    } else {
      complete = false;
    }
  }
  if (complete) {
    out[model] = price;
  }
}

}  // namespace

void read_pricing(TableReader& root, usage::PriceTable& out) {
  TableReader pricing = root.table("pricing");
  std::set<std::string> models;
  for (const Layer& layer : pricing.layers()) {
    if (layer.table == nullptr) {
      continue;
    }
    for (const auto& [k, node] : *layer.table) {
      models.insert(std::string(k.str()));
    }
  }
  for (const std::string& model : models) {
    if (model.empty()) {
      if (auto at = pricing.find(model)) {
        pricing.problem(*at, model, "a model name must not be empty");
      }
      continue;
    }
    TableReader entry = pricing.table(model);
    bool any_table = false;
    for (const Layer& layer : entry.layers()) {
      any_table = any_table || layer.table != nullptr;
    }
    if (any_table) {
      read_price(entry, model, out);
    }
  }
}

}  // namespace ccproxy::config
