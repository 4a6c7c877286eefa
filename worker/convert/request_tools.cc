// RequestConverter, tools: the tool list and tool_choice, the tool calls of assistant turns,
// and their results as tool messages (a placeholder result for a call that got none).

#include <string>
#include <string_view>
#include <vector>

#include "worker/convert/json_writer.h"
#include "worker/convert/providers/carry.h"
#include "worker/convert/request_converter.h"

namespace ccproxy::convert::detail {
namespace {

constexpr std::string_view kEmptyToolResult = "(no content)";
constexpr std::string_view kMissingToolResult =
    "(no result: the tool call was interrupted before it returned)";
constexpr std::string_view kErrorPrefix = "Error: ";
constexpr std::string_view kToolImageNote = "[image: attached in the next user message]";

}  // namespace

bool RequestConverter::write_tools(element root, ConvertedRequest& result) {
  element tools;
  element tool_choice;
  const bool has_tool_choice = get_field(root, "tool_choice", tool_choice);
  size_t written = 0;
  if (cached_tools_ != nullptr && cached_tools_->provider != rules_->id) {
    if (!write_tools_for_provider(result, written)) {
      return false;
    }
  } else if (cached_tools_ != nullptr) {
    if (options_.splice_tools && !cached_tools_->converted->empty()) {
      result.spliced = cached_tools_->converted;
      result.splice_at = out_.size();
    } else {
      out_.append(*cached_tools_->converted);
    }
    written = cached_tools_->written;
  } else if (get_field(root, "tools", tools)) {
    const size_t mark = out_.size();
    if (!write_tool_list(tools, written)) {
      return false;
    }
    converted_tools_.emplace(out_.substr(mark), written);
  }
  if (!check_tool_count(written)) {
    return false;
  }
  if (has_tool_choice && !is_object(tool_choice)) {
    return fail(expected("tool_choice", "an object", tool_choice));
  }
  // tool_choice only means something when the provider gets tools.
  if (written > 0 && has_tool_choice && !write_tool_choice(tool_choice)) {
    return false;
  }
  return true;
}

// The list's bytes matched a stored conversion made for another provider: this provider's
// own, stored or converted now from the same bytes (the body was parsed without them).
bool RequestConverter::write_tools_for_provider(ConvertedRequest& result, size_t& written) {
  ToolListCache& cache = thread_tool_cache();
  if (const ToolListCache::Entry* own = cache.find(cached_tools_->raw, rules_->id)) {
    cached_tools_ = own;
    if (options_.splice_tools && !own->converted->empty()) {
      result.spliced = own->converted;
      result.splice_at = out_.size();
    } else {
      out_.append(*own->converted);
    }
    written = own->written;
    return true;
  }
  simdjson::dom::parser parser;
  element tools;
  if (parser.parse(cached_tools_->raw).get(tools) != simdjson::SUCCESS) {
    return fail("tools: not valid JSON");
  }
  const size_t mark = out_.size();
  if (!write_tool_list(tools, written)) {
    return false;
  }
  converted_tools_.emplace(out_.substr(mark), written);
  return true;
}

bool RequestConverter::check_tool_count(size_t written) {
  if (rules_->max_tools == 0 || written <= rules_->max_tools) {
    return true;
  }
  return fail("tools: " + std::string(providers::provider_name(rules_->id)) + " takes at most " +
              std::to_string(rules_->max_tools) + " tools; this request has " +
              std::to_string(written));
}

bool RequestConverter::write_tool_list(element tools, size_t& written) {
  written = 0;
  if (!is_array(tools)) {
    return fail(expected("tools", "an array", tools));
  }
  const size_t mark = out_.size();
  out_.append(",\"tools\":[");
  size_t k = 0;
  for (element tool : simdjson::dom::array(tools)) {
    if (!write_tool(tool, Path("tools").item(k), written)) {
      return false;
    }
    ++k;
  }
  if (written == 0) {
    out_.resize(mark);  // no tool the provider can call: no tools, no tool_choice
    return true;
  }
  out_.push_back(']');
  return true;
}

bool RequestConverter::write_tool(element tool, const Path& path, size_t& written) {
  if (!is_object(tool)) {
    return fail(expected(path, "an object", tool));
  }
  element schema;
  if (!get_field(tool, "input_schema", schema)) {
    return true;  // a server tool (web_search, ...) the provider cannot run: skipped
  }
  if (!is_object(schema)) {
    return fail(expected(path + ".input_schema", "an object", schema));
  }
  element e;
  if (!get_field(tool, "name", e)) {
    return fail(path + ".name: field required");
  }
  if (!is_string(e)) {
    return fail(expected(path + ".name", "a string", e));
  }
  if (written > 0) {
    out_.push_back(',');
  }
  ++written;
  out_.append("{\"type\":\"function\",\"function\":{\"name\":");
  append_dom(out_, e);
  if (get_field(tool, "description", e)) {
    if (!is_string(e)) {
      return fail(expected(path + ".description", "a string", e));
    }
    out_.append(",\"description\":");
    append_dom(out_, e);
  }
  out_.append(",\"parameters\":");
  if (rules_->write_schema != nullptr) {
    rules_->write_schema(out_, schema);
  } else {
    append_dom(out_, schema);
  }
  out_.append("}}");
  return true;
}

bool RequestConverter::write_tool_choice(element tool_choice) {
  std::string_view type;
  if (!get_string(tool_choice, "type", type)) {
    return fail("tool_choice.type: field required");
  }
  if (type == "auto") {
    out_.append(",\"tool_choice\":\"auto\"");
  } else if (type == "any") {
    out_.append(",\"tool_choice\":\"required\"");
  } else if (type == "none") {
    out_.append(",\"tool_choice\":\"none\"");
  } else if (type == "tool") {
    element name;
    if (!get_field(tool_choice, "name", name) || !is_string(name)) {
      return fail("tool_choice.name: expected a string");
    }
    out_.append(",\"tool_choice\":{\"type\":\"function\",\"function\":{\"name\":");
    append_dom(out_, name);
    out_.append("}}");
  } else {
    return fail("tool_choice.type: expected \"auto\", \"any\", \"tool\" or \"none\"");
  }
  element e;
  if (get_field(tool_choice, "disable_parallel_tool_use", e)) {
    bool disable = false;
    if (e.get(disable) != simdjson::SUCCESS) {
      return fail(expected("tool_choice.disable_parallel_tool_use", "a boolean", e));
    }
    if (disable && type != "none") {
      out_.append(",\"parallel_tool_calls\":false");
    }
  }
  return true;
}

void RequestConverter::write_tool_calls(simdjson::dom::array blocks) {
  out_.append(",\"tool_calls\":[");
  bool first = true;
  for (element block : blocks) {
    std::string_view type;
    get_string(block, "type", type);
    if (type != "tool_use") {
      continue;
    }
    std::string_view id;
    std::string_view name;
    get_string(block, "id", id);
    get_string(block, "name", name);
    if (!first) {
      out_.push_back(',');
    }
    providers::CarriedToolId carried;
    if (rules_->thought_signatures) {
      carried = providers::read_tool_id(id, rules_->id, upstream_model_);
      id = carried.id;
    } else {
      id = providers::plain_tool_id(id);
    }
    out_.append("{\"id\":");
    append_json_string(out_, id);
    out_.append(",\"type\":\"function\",\"function\":{\"name\":");
    append_json_string(out_, name);
    out_.append(",\"arguments\":");
    element input;
    scratch_.clear();
    if (get_field(block, "input", input)) {
      append_dom(scratch_, input);
    } else {
      scratch_.append("{}");
    }
    append_json_string(out_, scratch_);
    out_.push_back('}');
    std::string_view signature = carried.value;
    if (signature.empty() && rules_->thought_signatures && first && rules_->missing_signature) {
      signature = rules_->missing_signature(upstream_model_);  // the turn's first call needs one
    }
    if (!signature.empty()) {
      out_.append(",\"extra_content\":{\"google\":{\"thought_signature\":");
      append_json_string(out_, signature);
      out_.append("}}");
    }
    out_.push_back('}');
    first = false;
    pending_ids_.push_back(id);
    answered_.push_back(false);
  }
  out_.push_back(']');
}

bool RequestConverter::write_tool_result(element block, const Path& path, std::string_view id,
                                         std::vector<element>& images) {
  bool is_error = false;
  element e;
  if (get_field(block, "is_error", e)) {
    if (e.get(is_error) != simdjson::SUCCESS) {
      return fail(expected(path + ".is_error", "a boolean", e));
    }
  }
  out_.append("{\"role\":\"tool\",\"tool_call_id\":");
  append_json_string(out_, id);
  out_.append(",\"content\":\"");
  if (is_error) {
    append_escaped(out_, kErrorPrefix);
  }
  const size_t body_start = out_.size();
  // Parts are separated by a single newline inside a tool result.
  bool any = false;
  auto add = [&](std::string_view text) {
    if (text.empty()) {
      return;
    }
    if (any) {
      out_.append("\\n");
    }
    append_escaped(out_, text);
    any = true;
  };
  if (get_field(block, "content", e)) {
    if (is_string(e)) {
      add(std::string_view(e));
    } else if (is_array(e)) {
      std::string scratch;
      size_t k = 0;
      for (element part : simdjson::dom::array(e)) {
        std::string_view text;
        if (!tool_result_part_text(part, path.field("content").item(k), images, scratch, text)) {
          return false;
        }
        add(text);
        ++k;
      }
    } else {
      return fail(expected(path + ".content", "a string or an array", e));
    }
  }
  if (out_.size() == body_start) {
    append_escaped(out_, kEmptyToolResult);
  }
  out_.append("\"},");
  return true;
}

bool RequestConverter::tool_result_part_text(element part, const Path& path,
                                             std::vector<element>& images, std::string& scratch,
                                             std::string_view& text) {
  if (!is_object(part)) {
    return fail(expected(path, "an object", part));
  }
  std::string_view type;
  if (!get_string(part, "type", type)) {
    return fail(path + ".type: field required");
  }
  if (type == "text") {
    element t;
    if (!get_field(part, "text", t) || !is_string(t)) {
      return fail(path + ".text: expected a string");
    }
    text = std::string_view(t);
  } else if (type == "image") {
    if (!image_url(part, path, scratch)) {  // checked here, sent with the user message
      return false;
    }
    images.push_back(part);
    text = kToolImageNote;
  } else if (type == "document") {
    if (!document_text(part, path, scratch, true)) {
      return false;
    }
    text = scratch;
  } else {
    get_string(part, "text", text);
  }
  return true;
}

void RequestConverter::orphan_tool_result_text(element block, std::string& text) {
  std::string_view id;
  get_string(block, "tool_use_id", id);
  text.assign("[Result of tool call ");
  text.append(id);
  text.append("]\n");
  element c;
  bool is_error = false;
  if (get_field(block, "is_error", c) && c.get(is_error) != simdjson::SUCCESS) {
    is_error = false;
  }
  if (is_error) {
    text.append(kErrorPrefix);
  }
  const size_t base = text.size();
  if (get_field(block, "content", c)) {
    if (is_string(c)) {
      text.append(std::string_view(c));
    } else if (is_array(c)) {
      for (element part : simdjson::dom::array(c)) {
        std::string_view part_text;
        if (get_string(part, "text", part_text) && !part_text.empty()) {
          if (text.size() > base) {
            text.push_back('\n');
          }
          text.append(part_text);
        }
      }
    }
  }
  if (text.size() == base) {
    text.append(kEmptyToolResult);
  }
}

// Tool calls that got no tool_result: providers reject an assistant tool call without an
// answer, so each one gets an explicit placeholder result.
bool RequestConverter::write_pending_placeholders() {
  for (size_t k = 0; k < pending_ids_.size(); ++k) {
    if (answered_[k]) {
      continue;
    }
    out_.append("{\"role\":\"tool\",\"tool_call_id\":");
    append_json_string(out_, pending_ids_[k]);
    out_.append(",\"content\":");
    append_json_string(out_, kMissingToolResult);
    out_.append("},");
  }
  pending_ids_.clear();
  answered_.clear();
  return true;
}

}  // namespace ccproxy::convert::detail
