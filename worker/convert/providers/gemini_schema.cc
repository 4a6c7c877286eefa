#include "worker/convert/providers/gemini_schema.h"

#include <cmath>
#include <string_view>
#include <vector>

#include "worker/convert/json_access.h"
#include "worker/convert/json_writer.h"

namespace ccproxy::convert::providers {
namespace {

using detail::element;
using detail::get_field;
using detail::is_array;
using detail::is_number;
using detail::is_object;
using detail::is_string;

constexpr std::size_t kMaxRefDepth = 8;
constexpr int kMaxNesting = 64;

// The keywords read, by slot.
enum Key {
  kType,
  kFormat,
  kDescription,
  kTitle,
  kPattern,
  kNullable,
  kEnum,
  kConst,
  kMinimum,
  kMaximum,
  kExclusiveMinimum,
  kExclusiveMaximum,
  kMinLength,
  kMaxLength,
  kMinItems,
  kMaxItems,
  kMinProperties,
  kMaxProperties,
  kDefault,
  kProperties,
  kRequired,
  kItems,
  kAnyOf,
  kOneOf,
  kPropertyOrdering,
  kRef,
  kKeyCount
};

constexpr std::string_view kKeyNames[kKeyCount] = {"type",
                                                   "format",
                                                   "description",
                                                   "title",
                                                   "pattern",
                                                   "nullable",
                                                   "enum",
                                                   "const",
                                                   "minimum",
                                                   "maximum",
                                                   "exclusiveMinimum",
                                                   "exclusiveMaximum",
                                                   "minLength",
                                                   "maxLength",
                                                   "minItems",
                                                   "maxItems",
                                                   "minProperties",
                                                   "maxProperties",
                                                   "default",
                                                   "properties",
                                                   "required",
                                                   "items",
                                                   "anyOf",
                                                   "oneOf",
                                                   "propertyOrdering",
                                                   "$ref"};

// Copied as they are when they have the right JSON type.
constexpr Key kStringKeys[] = {kDescription, kTitle, kPattern};
constexpr Key kNumberKeys[] = {kMinLength, kMaxLength,     kMinItems,
                               kMaxItems,  kMinProperties, kMaxProperties};

bool allowed_format(std::string_view type, std::string_view format) {
  if (type == "string") {
    return format == "enum" || format == "date-time";
  }
  if (type == "integer") {
    return format == "int32" || format == "int64";
  }
  if (type == "number") {
    return format == "float" || format == "double";
  }
  return false;
}

class SchemaWriter {
 public:
  SchemaWriter(std::string& out, element root) : out_(out), root_(root) {}

  void write(element schema, int nesting) {
    if (!is_object(schema) || nesting > kMaxNesting) {
      out_.append(is_object(schema) ? "{\"type\":\"object\"}" : "{}");
      return;
    }
    element slots[kKeyCount];
    bool has[kKeyCount] = {};
    for (auto [key, value] : simdjson::dom::object(schema)) {
      for (int k = 0; k < kKeyCount; ++k) {
        if (key == kKeyNames[k]) {
          slots[k] = value;
          has[k] = true;
          break;
        }
      }
    }
    if (has[kRef] && is_string(slots[kRef])) {
      write_ref(std::string_view(slots[kRef]), slots, has, nesting);
      return;
    }
    write_members(slots, has, nesting);
  }

 private:
  void member(std::string_view name) {
    if (out_.back() != '{') {
      out_.push_back(',');
    }
    out_.push_back('"');
    out_.append(name);
    out_.append("\":");
  }

  // The definition a local reference names, or false.
  bool resolve(std::string_view ref, element& target) {
    for (std::string_view base :
         {std::string_view("#/$defs/"), std::string_view("#/definitions/")}) {
      if (ref.substr(0, base.size()) != base) {
        continue;
      }
      element defs;
      const std::string_view table = base.substr(2, base.size() - 3);
      return get_field(root_, table, defs) && is_object(defs) &&
             get_field(defs, ref.substr(base.size()), target);
    }
    return false;
  }

  void write_ref(std::string_view ref, element (&slots)[kKeyCount], bool (&has)[kKeyCount],
                 int nesting) {
    element target;
    bool cycle = false;
    for (std::string_view open : refs_) {
      cycle = cycle || open == ref;
    }
    if (!cycle && refs_.size() < kMaxRefDepth && resolve(ref, target) && is_object(target)) {
      refs_.push_back(ref);
      write(target, nesting + 1);
      refs_.pop_back();
      return;
    }
    out_.append("{\"type\":\"object\"");
    if (has[kDescription] && is_string(slots[kDescription])) {
      out_.append(",\"description\":");
      append_json_string(out_, std::string_view(slots[kDescription]));
    }
    out_.push_back('}');
  }

  std::string_view write_type(element (&slots)[kKeyCount], bool (&has)[kKeyCount]) {
    std::string_view type;
    bool nullable = false;
    if (has[kType] && is_string(slots[kType])) {
      type = std::string_view(slots[kType]);
    } else if (has[kType] && is_array(slots[kType])) {
      for (element t : simdjson::dom::array(slots[kType])) {
        std::string_view name;
        if (t.get(name) != simdjson::SUCCESS) {
          continue;
        }
        if (name == "null") {
          nullable = true;
        } else if (type.empty()) {
          type = name;
        }
      }
    } else if (has[kConst] && is_string(slots[kConst])) {
      type = "string";
    }
    if (!type.empty()) {
      member("type");
      append_json_string(out_, type);
    }
    if (nullable || (has[kNullable] && slots[kNullable].is_bool() && bool(slots[kNullable]))) {
      member("nullable");
      out_.append("true");
    }
    return type;
  }

  void write_bound(std::string_view name, element (&slots)[kKeyCount], bool (&has)[kKeyCount],
                   Key plain, Key exclusive, std::string_view type, int step) {
    if (has[plain] && is_number(slots[plain])) {
      member(name);
      append_dom(out_, slots[plain]);
    } else if (has[exclusive] && is_number(slots[exclusive])) {
      member(name);
      const double v = double(slots[exclusive]);
      if (type == "integer" && std::floor(v) == v && std::fabs(v) < 9e15) {
        append_int(out_, static_cast<int64_t>(v) + step);
      } else {
        append_dom(out_, slots[exclusive]);
      }
    }
  }

  void write_members(element (&slots)[kKeyCount], bool (&has)[kKeyCount], int nesting) {
    out_.push_back('{');
    const std::string_view type = write_type(slots, has);
    std::string_view format;
    if (has[kFormat] && slots[kFormat].get(format) == simdjson::SUCCESS &&
        allowed_format(type, format)) {
      member("format");
      append_json_string(out_, format);
    }
    for (Key k : kStringKeys) {
      if (has[k] && is_string(slots[k])) {
        member(kKeyNames[k]);
        append_dom(out_, slots[k]);
      }
    }
    if (has[kEnum] && is_array(slots[kEnum])) {
      member("enum");
      append_dom(out_, slots[kEnum]);
    } else if (has[kConst]) {
      member("enum");
      out_.push_back('[');
      append_dom(out_, slots[kConst]);
      out_.push_back(']');
    }
    write_bound("minimum", slots, has, kMinimum, kExclusiveMinimum, type, 1);
    write_bound("maximum", slots, has, kMaximum, kExclusiveMaximum, type, -1);
    for (Key k : kNumberKeys) {
      if (has[k] && is_number(slots[k])) {
        member(kKeyNames[k]);
        append_dom(out_, slots[k]);
      }
    }
    if (has[kDefault]) {
      member("default");
      append_dom(out_, slots[kDefault]);
    }
    if (has[kProperties] && is_object(slots[kProperties])) {
      member("properties");
      out_.push_back('{');
      bool first = true;
      for (auto [name, value] : simdjson::dom::object(slots[kProperties])) {
        if (!first) {
          out_.push_back(',');
        }
        first = false;
        append_json_string(out_, name);
        out_.push_back(':');
        write(value, nesting + 1);
      }
      out_.push_back('}');
    }
    for (Key k : {kRequired, kPropertyOrdering}) {
      if (has[k] && is_array(slots[k])) {
        member(kKeyNames[k]);
        append_dom(out_, slots[k]);
      }
    }
    if (has[kItems]) {
      element items = slots[kItems];
      if (is_array(items)) {
        simdjson::dom::array tuple(items);
        if (tuple.size() > 0) {
          member("items");
          write(tuple.at(0).value_unsafe(), nesting + 1);
        }
      } else {
        member("items");
        write(items, nesting + 1);
      }
    }
    write_alternatives(slots, has, nesting);
    out_.push_back('}');
  }

  // anyOf and oneOf, together as one anyOf.
  void write_alternatives(element (&slots)[kKeyCount], bool (&has)[kKeyCount], int nesting) {
    bool open = false;
    for (Key k : {kAnyOf, kOneOf}) {
      if (!has[k] || !is_array(slots[k])) {
        continue;
      }
      for (element alternative : simdjson::dom::array(slots[k])) {
        if (!open) {
          member("anyOf");
          out_.push_back('[');
          open = true;
        } else {
          out_.push_back(',');
        }
        write(alternative, nesting + 1);
      }
    }
    if (open) {
      out_.push_back(']');
    }
  }

  std::string& out_;
  element root_;
  std::vector<std::string_view> refs_;  // the references being inlined, outermost first
};

}  // namespace

void write_gemini_schema(std::string& out, simdjson::dom::element schema) {
  SchemaWriter(out, schema).write(schema, 0);
}

}  // namespace ccproxy::convert::providers
