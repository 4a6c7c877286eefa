// Anthropic Messages request -> OpenAI chat-completions request. One simdjson DOM parse,
// then the output is written straight into a string; nothing is re-parsed or re-dumped.

#if defined(__SSE2__)
#include <emmintrin.h>  // find_tools_key
#endif

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "worker/convert/base64.h"
#include "worker/convert/convert.h"
#include "worker/convert/json_access.h"
#include "worker/convert/json_writer.h"
#include "worker/convert/model_mapping.h"
#include "worker/convert/request_converter.h"
#include "worker/convert/tool_cache.h"

namespace ccproxy::convert {
namespace {

using detail::element;
using detail::element_type;
using detail::get_field;
using detail::get_string;

constexpr std::string_view kEmptyToolResult = "(no content)";
constexpr std::string_view kMissingToolResult =
    "(no result: the tool call was interrupted before it returned)";
constexpr std::string_view kErrorPrefix = "Error: ";
constexpr std::string_view kToolImageNote = "[image: attached in the next user message]";
constexpr std::string_view kBlockSeparator = "\\n\\n";  // already escaped "\n\n"

ApiError invalid(std::string message) {
  return ApiError{400, "invalid_request_error", std::move(message)};
}

// The location of a value for error messages ("messages.3.content.1.source.data"), kept as
// a few segments on the stack and only turned into a string when an error is reported.
class Path {
 public:
  Path(const char* root) { add(root, kNoIndex); }  // NOLINT: implicit from a literal
  Path field(const char* key) const {
    Path p = *this;
    p.add(key, kNoIndex);
    return p;
  }
  Path item(size_t index) const {
    Path p = *this;
    p.add(nullptr, index);
    return p;
  }
  std::string str() const {
    std::string out;
    for (uint8_t i = 0; i < n_; ++i) {
      if (i > 0) {
        out.push_back('.');
      }
      if (segments_[i].key != nullptr) {
        out.append(segments_[i].key);
      } else {
        out.append(std::to_string(segments_[i].index));
      }
    }
    return out;
  }

 private:
  static constexpr size_t kNoIndex = size_t(-1);
  struct Segment {
    const char* key;
    size_t index;
  };
  void add(const char* key, size_t index) {
    if (n_ < segments_.size()) {
      segments_[n_++] = Segment{key, index};
    }
  }
  std::array<Segment, 8> segments_{};
  uint8_t n_ = 0;
};

std::string operator+(const Path& path, const char* suffix) {
  return path.str() + suffix;
}

Path at(const Path& path, size_t index) {
  return path.item(index);
}

std::string expected(const std::string& where, const char* what, element e) {
  return where + ": expected " + what + ", got " + detail::type_name(e.type());
}
std::string expected(const Path& path, const char* what, element e) {
  return expected(path.str(), what, e);
}
std::string expected(const char* where, const char* what, element e) {
  return expected(std::string(where), what, e);
}

// Writes pieces of one JSON string value, separated by "\n\n", skipping empty pieces.
class JoinedText {
 public:
  explicit JoinedText(std::string& out) : out_(out) {}
  void add(std::string_view text) {
    if (text.empty()) {
      return;
    }
    if (any_) {
      out_.append(kBlockSeparator);
    }
    append_escaped(out_, text);
    any_ = true;
  }
  bool any() const { return any_; }

 private:
  std::string& out_;
  bool any_ = false;
};

class RequestConverter {
 public:
  RequestConverter(const RequestOptions& options, size_t body_size, bool for_passthrough)
      : options_(options),
        reserve_hint_(body_size + body_size / 8 + 1024),
        for_passthrough_(for_passthrough) {}

  bool convert(element root, ConvertedRequest& result);
  ApiError take_error() { return std::move(error_); }

  /// The tool list was converted before: `convert` writes `cached` instead of reading `tools`.
  void use_tools(const detail::ToolListCache::Entry* cached) { cached_tools_ = cached; }
  /// After a successful `convert`: the converted tool list and its number of tools (nullopt
  /// when the request had no tool list).
  const std::optional<std::pair<std::string, size_t>>& converted_tools() const {
    return converted_tools_;
  }

 private:
  bool fail(std::string message) {
    error_ = invalid(std::move(message));
    return false;
  }

  bool write_system(element system);
  bool write_messages(element messages);
  /// A content block must be an object with a string `type`.
  bool block_type(element block, const Path& path, std::string_view& type);
  bool write_user(element content, const Path& path);
  bool write_assistant(element content, const Path& path);
  bool write_system_message(element content, const Path& path);
  bool write_tool_result(element block, const Path& path, std::string_view id,
                         std::vector<element>& images);
  bool write_pending_placeholders();
  bool document_text(element block, const Path& path, std::string& text, bool degrade_unsupported);
  bool image_url(element block, const Path& path, std::string& url);
  /// `,"tools":[...]` (nothing when no tool is callable); `written`: the tools written.
  bool write_tool_list(element tools, size_t& written);
  bool write_tool_choice(element tool_choice);
  bool text_of_blocks(element content, const Path& path, JoinedText& joined);

  const RequestOptions& options_;
  size_t reserve_hint_;   // the output is about the size of the input: one allocation
  bool for_passthrough_;  // only validating: what OpenAI cannot carry is not an error
  ApiError error_;
  std::string out_;
  std::string scratch_;
  // Tool calls of the previous assistant message still waiting for their results.
  std::vector<std::string_view> pending_ids_;
  std::vector<bool> answered_;
  const detail::ToolListCache::Entry* cached_tools_ = nullptr;
  std::optional<std::pair<std::string, size_t>> converted_tools_;
};

bool RequestConverter::convert(element root, ConvertedRequest& result) {
  if (!detail::is_object(root)) {
    return fail("body: expected a JSON object");
  }
  element model;
  if (!get_field(root, "model", model)) {
    return fail("model: field required");
  }
  std::string_view model_name;
  if (model.get(model_name) != simdjson::SUCCESS) {
    return fail(expected("model", "a string", model));
  }
  element max_tokens;
  if (!get_field(root, "max_tokens", max_tokens)) {
    return fail("max_tokens: field required");
  }
  if (max_tokens.type() != element_type::INT64 && max_tokens.type() != element_type::UINT64) {
    return fail(expected("max_tokens", "an integer", max_tokens));
  }
  int64_t tokens = detail::as_int(max_tokens);
  if (tokens < 1) {
    return fail("max_tokens: must be at least 1");
  }
  element messages;
  if (!get_field(root, "messages", messages)) {
    return fail("messages: field required");
  }
  if (!detail::is_array(messages)) {
    return fail(expected("messages", "an array", messages));
  }
  if (simdjson::dom::array(messages).size() == 0) {
    return fail("messages: at least one message is required");
  }
  bool stream = false;
  element e;
  if (get_field(root, "stream", e)) {
    if (e.get(stream) != simdjson::SUCCESS) {
      return fail(expected("stream", "a boolean", e));
    }
  }
  if (get_field(root, "thinking", e)) {
    // Accepted and validated, not forwarded: providers disagree on how (or whether) to
    // switch reasoning on, and their defaults are what the profile chose.
    if (!detail::is_object(e)) {
      return fail(expected("thinking", "an object", e));
    }
    element type;
    if (!get_field(e, "type", type) || !detail::is_string(type)) {
      return fail("thinking.type: field required");
    }
  }

  const auto& limits = options_.max_tokens;
  if (limits.max > 0 && tokens > limits.max) {
    tokens = limits.max;
  }
  if (limits.min > 0 && tokens < limits.min) {
    tokens = limits.min;
  }

  result.client_model.assign(model_name);
  result.upstream_model =
      options_.models ? map_model(model_name, *options_.models) : std::string(model_name);
  result.stream = stream;

  out_.reserve(reserve_hint_);
  out_.append("{\"model\":");
  append_json_string(out_, result.upstream_model);
  out_.append(",\"max_tokens\":");
  append_int(out_, tokens);
  out_.append(",\"messages\":[");
  if (get_field(root, "system", e)) {
    if (!write_system(e)) {
      return false;
    }
  }
  if (!write_messages(messages)) {
    return false;
  }
  out_.push_back(']');

  for (std::string_view key : {"temperature", "top_p"}) {
    if (get_field(root, key, e)) {
      if (!detail::is_number(e)) {
        return fail(expected(std::string(key), "a number", e));
      }
      out_.append(",\"");
      out_.append(key);
      out_.append("\":");
      append_dom(out_, e);
    }
  }
  if (get_field(root, "stop_sequences", e)) {
    if (!detail::is_array(e)) {
      return fail(expected("stop_sequences", "an array", e));
    }
    simdjson::dom::array stops(e);
    if (stops.size() > 0) {
      out_.append(",\"stop\":[");
      size_t i = 0;
      for (element s : stops) {
        if (!detail::is_string(s)) {
          return fail(expected(at("stop_sequences", i), "a string", s));
        }
        if (i > 0) {
          out_.push_back(',');
        }
        append_dom(out_, s);
        ++i;
      }
      out_.push_back(']');
    }
  }
  if (stream) {
    out_.append(",\"stream\":true,\"stream_options\":{\"include_usage\":true}");
  }
  element tools;
  element tool_choice;
  const bool has_tool_choice = get_field(root, "tool_choice", tool_choice);
  size_t written = 0;
  if (cached_tools_ != nullptr) {
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
  if (has_tool_choice && !detail::is_object(tool_choice)) {
    return fail(expected("tool_choice", "an object", tool_choice));
  }
  // tool_choice only means something when the provider gets tools.
  if (written > 0 && has_tool_choice && !write_tool_choice(tool_choice)) {
    return false;
  }
  out_.push_back('}');
  result.body = std::move(out_);
  return true;
}

bool RequestConverter::write_system(element system) {
  if (detail::is_string(system)) {
    std::string_view text(system);
    if (text.empty()) {
      return true;
    }
    out_.append("{\"role\":\"system\",\"content\":");
    append_json_string(out_, text);
    out_.append("},");
    return true;
  }
  if (!detail::is_array(system)) {
    return fail(expected("system", "a string or an array", system));
  }
  const size_t mark = out_.size();
  out_.append("{\"role\":\"system\",\"content\":\"");
  JoinedText joined(out_);
  if (!text_of_blocks(system, "system", joined)) {
    return false;
  }
  if (!joined.any()) {
    out_.resize(mark);
    return true;
  }
  out_.append("\"},");
  return true;
}

// Text of a list of blocks (system prompt, system messages): text blocks are joined, other
// block types are skipped.
bool RequestConverter::text_of_blocks(element content, const Path& path, JoinedText& joined) {
  size_t j = 0;
  for (element block : simdjson::dom::array(content)) {
    if (!detail::is_object(block)) {
      return fail(expected(at(path, j), "an object", block));
    }
    std::string_view type;
    if (!get_string(block, "type", type)) {
      return fail(at(path, j) + ".type: field required");
    }
    element text;
    if (type == "text") {
      if (!get_field(block, "text", text) || !detail::is_string(text)) {
        return fail(at(path, j) + ".text: expected a string");
      }
      joined.add(std::string_view(text));
    }
    ++j;
  }
  return true;
}

bool RequestConverter::write_messages(element messages) {
  size_t i = 0;
  for (element message : simdjson::dom::array(messages)) {
    const Path path = Path("messages").item(i);
    if (!detail::is_object(message)) {
      return fail(expected(path, "an object", message));
    }
    element role_e;
    if (!get_field(message, "role", role_e)) {
      return fail(path + ".role: field required");
    }
    std::string_view role;
    if (role_e.get(role) != simdjson::SUCCESS) {
      return fail(expected(path + ".role", "a string", role_e));
    }
    element content;
    if (!get_field(message, "content", content)) {
      return fail(path + ".content: field required");
    }
    if (!detail::is_string(content) && !detail::is_array(content)) {
      return fail(expected(path + ".content", "a string or an array", content));
    }
    if (role == "user") {
      if (!write_user(content, path.field("content"))) {
        return false;
      }
    } else if (role == "assistant") {
      if (!write_pending_placeholders() || !write_assistant(content, path.field("content"))) {
        return false;
      }
    } else if (role == "system") {
      if (!write_pending_placeholders() || !write_system_message(content, path.field("content"))) {
        return false;
      }
    } else {
      return fail(path + ".role: expected \"user\", \"assistant\" or \"system\"");
    }
    ++i;
  }
  if (!write_pending_placeholders()) {
    return false;
  }
  if (!out_.empty() && out_.back() == ',') {
    out_.pop_back();
  }
  return true;
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

bool RequestConverter::write_system_message(element content, const Path& path) {
  // Kept in place as a system message: its text must reach the model.
  const size_t mark = out_.size();
  out_.append("{\"role\":\"system\",\"content\":\"");
  JoinedText joined(out_);
  if (detail::is_string(content)) {
    joined.add(std::string_view(content));
  } else if (!text_of_blocks(content, path, joined)) {
    return false;
  }
  if (!joined.any()) {
    out_.resize(mark);
    return true;
  }
  out_.append("\"},");
  return true;
}

bool RequestConverter::image_url(element block, const Path& path, std::string& url) {
  element source;
  if (!get_field(block, "source", source)) {
    return fail(path + ".source: field required");
  }
  if (!detail::is_object(source)) {
    return fail(expected(path + ".source", "an object", source));
  }
  std::string_view type;
  if (!get_string(source, "type", type)) {
    return fail(path + ".source.type: field required");
  }
  element e;
  if (type == "base64") {
    std::string_view media_type;
    if (!get_field(source, "media_type", e)) {
      return fail(path + ".source.media_type: field required");
    }
    if (e.get(media_type) != simdjson::SUCCESS) {
      return fail(expected(path + ".source.media_type", "a string", e));
    }
    if (!get_field(source, "data", e)) {
      return fail(path + ".source.data: field required");
    }
    std::string_view data;
    if (e.get(data) != simdjson::SUCCESS) {
      return fail(expected(path + ".source.data", "a string", e));
    }
    url.clear();
    url.reserve(data.size() + media_type.size() + 13);
    url.append("data:");
    url.append(media_type);
    url.append(";base64,");
    url.append(data);
    return true;
  }
  if (type == "url") {
    if (!get_field(source, "url", e)) {
      return fail(path + ".source.url: field required");
    }
    std::string_view u;
    if (e.get(u) != simdjson::SUCCESS) {
      return fail(expected(path + ".source.url", "a string", e));
    }
    url.assign(u);
    return true;
  }
  if (for_passthrough_) {
    url.clear();
    return true;
  }
  return fail(path + ".source.type: unsupported image source \"" + std::string(type) +
              "\" (expected \"base64\" or \"url\")");
}

// A document block as text. Unsupported documents (PDF, URLs, files) are a 400 in user
// content; inside a tool result (`degrade_unsupported`) they become a short note so that a
// Read of a PDF does not make the whole conversation unusable.
bool RequestConverter::document_text(element block, const Path& path, std::string& text,
                                     bool degrade_unsupported) {
  text.clear();
  std::string_view title;
  if (get_string(block, "title", title) && !title.empty()) {
    text.append(title);
    text.append("\n\n");
  }
  element source;
  if (!get_field(block, "source", source)) {
    return fail(path + ".source: field required");
  }
  if (!detail::is_object(source)) {
    return fail(expected(path + ".source", "an object", source));
  }
  std::string_view type;
  if (!get_string(source, "type", type)) {
    return fail(path + ".source.type: field required");
  }
  std::string_view media_type;
  get_string(source, "media_type", media_type);
  element e;
  if (type == "text") {
    if (!get_field(source, "data", e) || !detail::is_string(e)) {
      return fail(path + ".source.data: expected a string");
    }
    text.append(std::string_view(e));
    return true;
  }
  if (type == "content") {
    if (!get_field(source, "content", e)) {
      return fail(path + ".source.content: field required");
    }
    if (detail::is_string(e)) {
      text.append(std::string_view(e));
      return true;
    }
    if (!detail::is_array(e)) {
      return fail(expected(path + ".source.content", "a string or an array", e));
    }
    bool first = true;
    for (element part : simdjson::dom::array(e)) {
      std::string_view part_text;
      if (get_string(part, "text", part_text) && !part_text.empty()) {
        if (!first) {
          text.append("\n\n");
        }
        text.append(part_text);
        first = false;
      }
    }
    return true;
  }
  if (type == "base64" && media_type.substr(0, 5) == "text/") {
    if (!get_field(source, "data", e)) {
      return fail(path + ".source.data: field required");
    }
    std::string_view data;
    if (e.get(data) != simdjson::SUCCESS) {
      return fail(expected(path + ".source.data", "a string", e));
    }
    std::string decoded;
    if (!base64_decode(data, decoded)) {
      return fail(path + ".source.data: invalid base64");
    }
    if (is_valid_utf8(decoded)) {
      text.append(decoded);
    } else {
      text.append(sanitize_utf8(decoded));
    }
    return true;
  }
  std::string what = type == "base64" ? std::string(media_type) + " documents"
                                      : "documents with source type \"" + std::string(type) + "\"";
  if (degrade_unsupported || for_passthrough_) {
    text.append("[document omitted: ");
    text.append(what);
    text.append(" are not supported by this provider]");
    return true;
  }
  return fail(path + ": " + what +
              " are not supported by this provider (only plain-text documents can be "
              "converted to text)");
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
    if (detail::is_string(e)) {
      add(std::string_view(e));
    } else if (detail::is_array(e)) {
      size_t k = 0;
      for (element part : simdjson::dom::array(e)) {
        const Path part_path = path.field("content").item(k);
        if (!detail::is_object(part)) {
          return fail(expected(part_path, "an object", part));
        }
        std::string_view type;
        if (!get_string(part, "type", type)) {
          return fail(part_path + ".type: field required");
        }
        if (type == "text") {
          element text;
          if (!get_field(part, "text", text) || !detail::is_string(text)) {
            return fail(part_path + ".text: expected a string");
          }
          add(std::string_view(text));
        } else if (type == "image") {
          std::string url;
          if (!image_url(part, part_path, url)) {
            return false;
          }
          images.push_back(part);
          add(kToolImageNote);
        } else if (type == "document") {
          std::string text;
          if (!document_text(part, part_path, text, true)) {
            return false;
          }
          add(text);
        } else {
          std::string_view text;
          if (get_string(part, "text", text)) {
            add(text);
          }
        }
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

bool RequestConverter::block_type(element block, const Path& path, std::string_view& type) {
  if (!detail::is_object(block)) {
    return fail(expected(path, "an object", block));
  }
  element type_e;
  if (!get_field(block, "type", type_e)) {
    return fail(path + ".type: field required");
  }
  if (type_e.get(type) != simdjson::SUCCESS) {
    return fail(expected(path + ".type", "a string", type_e));
  }
  return true;
}

bool RequestConverter::write_user(element content, const Path& path) {
  if (detail::is_string(content)) {
    if (!write_pending_placeholders()) {
      return false;
    }
    out_.append("{\"role\":\"user\",\"content\":");
    append_json_string(out_, std::string_view(content));
    out_.append("},");
    return true;
  }
  simdjson::dom::array blocks(content);
  // Pass 1: tool results become tool messages right after the assistant's tool calls.
  std::vector<element> tool_images;
  std::vector<std::string_view> tool_image_ids;
  bool has_other = false;
  bool has_image = false;
  size_t j = 0;
  for (element block : blocks) {
    const Path block_path = path.item(j);
    ++j;
    std::string_view type;
    if (!block_type(block, block_path, type)) {
      return false;
    }
    if (type != "tool_result") {
      if (type == "image") {
        has_image = true;
      }
      has_other = true;
      continue;
    }
    element id_e;
    if (!get_field(block, "tool_use_id", id_e)) {
      return fail(block_path + ".tool_use_id: field required");
    }
    std::string_view id;
    if (id_e.get(id) != simdjson::SUCCESS) {
      return fail(expected(block_path + ".tool_use_id", "a string", id_e));
    }
    auto it = std::find(pending_ids_.begin(), pending_ids_.end(), id);
    if (it == pending_ids_.end() || answered_[size_t(it - pending_ids_.begin())]) {
      // No matching tool call: kept as user text below (a tool message would be rejected).
      has_other = true;
      continue;
    }
    answered_[size_t(it - pending_ids_.begin())] = true;
    const size_t before = tool_images.size();
    if (!write_tool_result(block, block_path, id, tool_images)) {
      return false;
    }
    for (size_t k = before; k < tool_images.size(); ++k) {
      tool_image_ids.push_back(id);
    }
  }
  // Pass 1 consumed these; orphan results are detected again below by this snapshot.
  std::vector<std::string_view> matched_ids;
  for (size_t k = 0; k < pending_ids_.size(); ++k) {
    if (answered_[k]) {
      matched_ids.push_back(pending_ids_[k]);
    }
  }
  if (!write_pending_placeholders()) {
    return false;
  }
  if (!tool_images.empty()) {
    has_image = true;
  }
  if (!has_other && tool_images.empty()) {
    return true;
  }

  // Pass 2: everything else (and images returned by tools) as one user message.
  const size_t mark = out_.size();
  out_.append("{\"role\":\"user\",\"content\":");
  std::string url;
  std::string text;
  bool any = false;
  JoinedText* joined = nullptr;
  JoinedText string_content(out_);
  if (has_image) {
    out_.push_back('[');
  } else {
    out_.push_back('"');
    joined = &string_content;
  }
  auto add_text = [&](std::string_view t) {
    if (t.empty()) {
      return;
    }
    if (joined) {
      joined->add(t);
    } else {
      if (any) {
        out_.push_back(',');
      }
      out_.append("{\"type\":\"text\",\"text\":");
      append_json_string(out_, t);
      out_.push_back('}');
    }
    any = true;
  };
  auto add_image = [&](const std::string& u) {
    if (any) {
      out_.push_back(',');
    }
    out_.append("{\"type\":\"image_url\",\"image_url\":{\"url\":");
    append_json_string(out_, u);
    out_.append("}}");
    any = true;
  };
  for (size_t k = 0; k < tool_images.size(); ++k) {
    if (k == 0 || tool_image_ids[k] != tool_image_ids[k - 1]) {
      add_text("Image returned by tool call " + std::string(tool_image_ids[k]) + ":");
    }
    if (!image_url(tool_images[k], path, url)) {
      return false;
    }
    add_image(url);
  }
  std::vector<bool> used(matched_ids.size(), false);
  j = 0;
  for (element block : blocks) {
    const Path block_path = path.item(j);
    ++j;
    std::string_view type;
    get_string(block, "type", type);
    if (type == "text") {
      element t;
      if (!get_field(block, "text", t) || !detail::is_string(t)) {
        return fail(block_path + ".text: expected a string");
      }
      add_text(std::string_view(t));
    } else if (type == "image") {
      if (!image_url(block, block_path, url)) {
        return false;
      }
      add_image(url);
    } else if (type == "document") {
      if (!document_text(block, block_path, text, false)) {
        return false;
      }
      add_text(text);
    } else if (type == "tool_result") {
      std::string_view id;
      get_string(block, "tool_use_id", id);
      auto it = std::find(matched_ids.begin(), matched_ids.end(), id);
      if (it != matched_ids.end() && !used[size_t(it - matched_ids.begin())]) {
        used[size_t(it - matched_ids.begin())] = true;
        continue;  // already sent as a tool message
      }
      // An orphan result (its tool call is not in the previous assistant message).
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
        if (detail::is_string(c)) {
          text.append(std::string_view(c));
        } else if (detail::is_array(c)) {
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
      add_text(text);
    } else {
      // Unknown or unsupported block types (thinking in a user turn, search results, ...)
      // degrade to their text, or the text blocks of their `content`, else are skipped.
      std::string_view t;
      element inner;
      if (get_string(block, "text", t)) {
        add_text(t);
      } else if (get_field(block, "content", inner) && detail::is_array(inner)) {
        for (element part : simdjson::dom::array(inner)) {
          if (get_string(part, "text", t)) {
            add_text(t);
          }
        }
      }
    }
  }
  if (has_image) {
    if (!any) {
      out_.resize(mark);
      return true;
    }
    out_.append("]},");
  } else {
    if (!string_content.any()) {
      out_.resize(mark);
      return true;
    }
    out_.append("\"},");
  }
  return true;
}

bool RequestConverter::write_assistant(element content, const Path& path) {
  if (detail::is_string(content)) {
    std::string_view text(content);
    if (text.empty()) {
      return true;
    }
    out_.append("{\"role\":\"assistant\",\"content\":");
    append_json_string(out_, text);
    out_.append("},");
    return true;
  }
  simdjson::dom::array blocks(content);
  bool has_text = false;
  bool has_tools = false;
  bool has_thinking = false;
  size_t j = 0;
  for (element block : blocks) {
    const Path block_path = path.item(j);
    ++j;
    std::string_view type;
    if (!block_type(block, block_path, type)) {
      return false;
    }
    element e;
    if (type == "text") {
      if (!get_field(block, "text", e) || !detail::is_string(e)) {
        return fail(block_path + ".text: expected a string");
      }
      has_text = has_text || !std::string_view(e).empty();
    } else if (type == "tool_use") {
      if (!get_field(block, "id", e)) {
        return fail(block_path + ".id: field required");
      }
      if (!detail::is_string(e)) {
        return fail(expected(block_path + ".id", "a string", e));
      }
      if (!get_field(block, "name", e)) {
        return fail(block_path + ".name: field required");
      }
      if (!detail::is_string(e)) {
        return fail(expected(block_path + ".name", "a string", e));
      }
      has_tools = true;
    } else if (type == "thinking") {
      if (get_field(block, "thinking", e)) {
        if (!detail::is_string(e)) {
          return fail(expected(block_path + ".thinking", "a string", e));
        }
        has_thinking = has_thinking || !std::string_view(e).empty();
      }
    }
  }
  if (!has_text && !has_tools) {
    return true;  // nothing a provider could take (e.g. thinking only)
  }
  out_.append("{\"role\":\"assistant\",\"content\":");
  if (has_text) {
    out_.push_back('"');
    JoinedText joined(out_);
    for (element block : blocks) {
      std::string_view type;
      get_string(block, "type", type);
      if (type == "text") {
        std::string_view t;
        get_string(block, "text", t);
        joined.add(t);
      }
    }
    out_.push_back('"');
  } else {
    out_.append("null");
  }
  if (has_thinking && options_.reasoning_content_in_history) {
    out_.append(",\"reasoning_content\":\"");
    JoinedText joined(out_);
    for (element block : blocks) {
      std::string_view type;
      get_string(block, "type", type);
      if (type == "thinking") {
        std::string_view t;
        get_string(block, "thinking", t);
        joined.add(t);
      }
    }
    out_.push_back('"');
  }
  if (has_tools) {
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
      first = false;
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
      out_.append("}}");
      pending_ids_.push_back(id);
      answered_.push_back(false);
    }
    out_.push_back(']');
  }
  out_.append("},");
  return true;
}

bool RequestConverter::write_tool_list(element tools, size_t& written) {
  written = 0;
  if (!detail::is_array(tools)) {
    return fail(expected("tools", "an array", tools));
  }
  const size_t mark = out_.size();
  out_.append(",\"tools\":[");
  size_t k = 0;
  for (element tool : simdjson::dom::array(tools)) {
    const Path path = Path("tools").item(k);
    ++k;
    if (!detail::is_object(tool)) {
      return fail(expected(path, "an object", tool));
    }
    element schema;
    if (!get_field(tool, "input_schema", schema)) {
      continue;  // a server tool (web_search, ...) the provider cannot run: skipped
    }
    if (!detail::is_object(schema)) {
      return fail(expected(path + ".input_schema", "an object", schema));
    }
    element e;
    if (!get_field(tool, "name", e)) {
      return fail(path + ".name: field required");
    }
    if (!detail::is_string(e)) {
      return fail(expected(path + ".name", "a string", e));
    }
    if (written > 0) {
      out_.push_back(',');
    }
    ++written;
    out_.append("{\"type\":\"function\",\"function\":{\"name\":");
    append_dom(out_, e);
    if (get_field(tool, "description", e)) {
      if (!detail::is_string(e)) {
        return fail(expected(path + ".description", "a string", e));
      }
      out_.append(",\"description\":");
      append_dom(out_, e);
    }
    out_.append(",\"parameters\":");
    append_dom(out_, schema);
    out_.append("}}");
  }
  if (written == 0) {
    out_.resize(mark);  // no tool the provider can call: no tools, no tool_choice
    return true;
  }
  out_.push_back(']');
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
    if (!get_field(tool_choice, "name", name) || !detail::is_string(name)) {
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

}  // namespace

static_assert(kInputPadding >= simdjson::SIMDJSON_PADDING);

// Large bodies get their own parser so the per-thread one stays small.
constexpr size_t kThreadParserLimit = 4u << 20;

namespace detail {
namespace {

std::string_view raw_of(std::string_view body, RawSpan span) {
  return body.substr(span.offset, span.length);
}

// The body copied with the padding simdjson reads past the end (and, on a tool-list hit, with
// the list cut out). Grows to the largest body seen, like the thread's parser.
std::string& thread_padded_buffer() {
  thread_local std::string buffer;
  return buffer;
}

bool is_json_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

// `["ccproxy-tools-<32 random hex digits>"]`, drawn once per thread.
std::string_view placeholder() {
  thread_local const std::string text = [] {
    std::random_device random;
    std::string t = "[\"ccproxy-tools-";
    static constexpr char kHex[] = "0123456789abcdef";
    for (int i = 0; i < 32; ++i) {
      t.push_back(kHex[random() & 0xf]);
    }
    t += "\"]";
    return t;
  }();
  return text;
}

struct CachedToolsAt {
  const ToolListCache::Entry* entry;
  std::size_t offset;  // where the list starts in the body
  std::size_t length;
};

constexpr std::string_view kToolsKey = "\"tools\"";

// The first `"tools"` in `s` at or after `from`, or npos. Sixteen candidate positions at a
// time are filtered on two of the key's bytes ('t' and 's'), then compared whole: a body is
// full of '"', so filtering on the quotes would stop far more often. (glibc's memmem took
// about 2 instructions per byte; the key follows the messages, which can be megabytes.)
std::size_t find_tools_key(std::string_view s, std::size_t from) {
  const char* p = s.data();
  const std::size_t n = s.size();
  std::size_t i = from;
#if defined(__SSE2__)
  const __m128i t = _mm_set1_epi8('t');
  const __m128i last = _mm_set1_epi8('s');
  for (; i + 5 + 16 <= n; i += 16) {
    const __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i + 1));
    const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i + 5));
    unsigned mask = static_cast<unsigned>(
        _mm_movemask_epi8(_mm_and_si128(_mm_cmpeq_epi8(a, t), _mm_cmpeq_epi8(b, last))));
    while (mask != 0) {
      const std::size_t at = i + static_cast<std::size_t>(__builtin_ctz(mask));
      if (at + kToolsKey.size() <= n &&
          std::memcmp(p + at, kToolsKey.data(), kToolsKey.size()) == 0) {
        return at;
      }
      mask &= mask - 1;
    }
  }
#endif
  return i < n ? s.find(kToolsKey, i) : std::string_view::npos;
}

// The first `"tools":` in the body that is followed by a stored list, byte for byte. Cheap (a
// text search): whether it is the top-level key is proven afterwards, by the placeholder.
std::optional<CachedToolsAt> find_cached_tools(std::string_view body, ToolListCache& cache) {
  std::size_t from = 0;
  while (true) {
    const std::size_t at = find_tools_key(body, from);
    if (at == std::string_view::npos) {
      return std::nullopt;
    }
    std::size_t v = at + kToolsKey.size();
    while (v < body.size() && is_json_space(body[v])) {
      ++v;
    }
    if (v < body.size() && body[v] == ':') {
      ++v;
      while (v < body.size() && is_json_space(body[v])) {
        ++v;
      }
      if (v < body.size() && body[v] == '[') {
        if (const ToolListCache::Entry* e = cache.find_prefix_of(body.substr(v))) {
          return CachedToolsAt{e, v, e->raw.size()};
        }
      }
    }
    from = at + 1;
  }
}

}  // namespace

Result<ConvertedRequest, ApiError> convert_request(std::string_view body,
                                                  const RequestOptions& options,
                                                  bool for_passthrough,
                                                  std::string* repaired_body) {
  simdjson::dom::parser local;
  simdjson::dom::parser& parser =
      body.size() <= kThreadParserLimit ? detail::thread_parser() : local;
  // A tool list seen before: parse the body without it and write the stored conversion.
  // (Pass-through too, which only validates here: a stored list converted without repair, so
  // a hit needs none either. Its tool list converts the same in both modes.)
  ToolListCache& cache = thread_tool_cache();
  if (body.size() <= kThreadParserLimit && cache.size() > 0) {
    if (auto hit = find_cached_tools(body, cache)) {
      // The body with the list replaced by a placeholder no client can know. If the lite
      // body parses and its top-level `tools` is that placeholder, the bytes replaced were
      // exactly the top-level tool list (and not, say, a copy of it inside a message).
      const std::string_view nonce = placeholder();
      std::string& lite = thread_padded_buffer();
      lite.reserve(body.size() - hit->length + nonce.size() + simdjson::SIMDJSON_PADDING);
      lite.assign(body.substr(0, hit->offset));
      lite.append(nonce);
      lite.append(body.substr(hit->offset + hit->length));
      element root;
      element tools;
      std::string_view marker;
      if (parser.parse(lite).get(root) == simdjson::SUCCESS && get_field(root, "tools", tools) &&
          detail::is_array(tools) && simdjson::dom::array(tools).size() == 1 &&
          simdjson::dom::array(tools).at(0).get(marker) == simdjson::SUCCESS &&
          marker == nonce.substr(2, nonce.size() - 4)) {
        RequestConverter converter(options, body.size(), for_passthrough);
        converter.use_tools(hit->entry);
        ConvertedRequest result;
        if (!converter.convert(root, result)) {
          return fail(converter.take_error());
        }
        return result;
      }
      // Not the top-level list, or the rest needs repair: the full path decides.
    }
  }
  std::string scratch;
  element root;
  if (auto error = detail::parse_lenient(parser, body, scratch, root); error) {
    return fail(
        invalid(std::string("body: not valid JSON (") + simdjson::error_message(error) + ")"));
  }
  if (repaired_body != nullptr) {
    repaired_body->swap(scratch);  // parse_lenient fills it only when it repaired the body
  }
  RequestConverter converter(options, body.size(), for_passthrough);
  ConvertedRequest result;
  if (!converter.convert(root, result)) {
    return fail(converter.take_error());
  }
  if (scratch.empty() && body.size() <= kThreadParserLimit && converter.converted_tools()) {
    // Converted as sent (no repair): store the list's conversion under its exact bytes. Where
    // the list is takes a structural pass over the body (with simdjson's padding after it),
    // so only requests that had a list get it.
    const char* json = body.data();
    if (!options.body_padded) {
      std::string& padded = thread_padded_buffer();
      padded.reserve(body.size() + simdjson::SIMDJSON_PADDING);
      padded.assign(body);
      json = padded.data();
    }
    RawSpan span;
    if (find_top_level_tools(json, body.size(), span) &&
        ToolListCache::worth_caching(raw_of(body, span))) {
      const auto& [converted, written] = *converter.converted_tools();
      cache.put(raw_of(body, span), converted, written);
    }
  }
  return result;
}

}  // namespace detail

Result<ConvertedRequest, ApiError> to_openai_request(std::string_view anthropic_body,
                                                    const RequestOptions& options) {
  return detail::convert_request(anthropic_body, options, false);
}

}  // namespace ccproxy::convert
