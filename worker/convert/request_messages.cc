// RequestConverter, the messages: each Anthropic turn as the OpenAI messages it becomes. A
// user turn's tool results come first, as tool messages right after the assistant's tool
// calls; the rest of the turn (text, images, documents) follows as one user message.

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "worker/convert/json_writer.h"
#include "worker/convert/providers/carry.h"
#include "worker/convert/request_converter.h"

namespace ccproxy::convert::detail {

bool RequestConverter::write_messages(element messages) {
  size_t i = 0;
  for (element message : simdjson::dom::array(messages)) {
    if (!write_message(message, Path("messages").item(i))) {
      return false;
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

bool RequestConverter::write_message(element message, const Path& path) {
  if (!is_object(message)) {
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
  if (!is_string(content) && !is_array(content)) {
    return fail(expected(path + ".content", "a string or an array", content));
  }
  if (role == "user") {
    return write_user(content, path.field("content"));
  }
  if (role == "assistant") {
    return write_pending_placeholders() && write_assistant(content, path.field("content"));
  }
  if (role == "system") {
    return write_pending_placeholders() && write_system_message(content, path.field("content"));
  }
  return fail(path + ".role: expected \"user\", \"assistant\" or \"system\"");
}

bool RequestConverter::block_type(element block, const Path& path, std::string_view& type) {
  if (!is_object(block)) {
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

bool RequestConverter::write_system_message(element content, const Path& path) {
  // Kept in place as a system message: its text must reach the model.
  const size_t mark = out_.size();
  out_.append("{\"role\":\"system\",\"content\":\"");
  JoinedText joined(out_);
  if (is_string(content)) {
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

// --- user turns ---

struct RequestConverter::UserTurn {
  bool has_other = false;  // blocks besides the tool results answered as tool messages
  bool has_image = false;  // then the user message is a list of parts, else a string
  // Images returned by tools, each with the id of its call, for the user message.
  std::vector<element> tool_images;
  std::vector<std::string_view> tool_image_ids;
  // The results sent as tool messages (an orphan result is detected again by this snapshot),
  // and which of them the user message has skipped so far.
  std::vector<std::string_view> matched_ids;
  std::vector<bool> used;
  std::string url;   // scratch
  std::string text;  // scratch
};

// The user message after the tool messages: one JSON string of the texts when the turn has no
// image, else a list of text and image_url parts.
class RequestConverter::UserMessage {
 public:
  UserMessage(std::string& out, bool parts) : out_(out), mark_(out.size()), joined_(out) {
    out_.append("{\"role\":\"user\",\"content\":");
    if (parts) {
      out_.push_back('[');
    } else {
      out_.push_back('"');
      string_content_ = true;
    }
  }

  void add_text(std::string_view t) {
    if (t.empty()) {
      return;
    }
    if (string_content_) {
      joined_.add(t);
    } else {
      if (any_) {
        out_.push_back(',');
      }
      out_.append("{\"type\":\"text\",\"text\":");
      append_json_string(out_, t);
      out_.push_back('}');
    }
    any_ = true;
  }

  void add_image(const std::string& url) {
    if (any_) {
      out_.push_back(',');
    }
    out_.append("{\"type\":\"image_url\",\"image_url\":{\"url\":");
    append_json_string(out_, url);
    out_.append("}}");
    any_ = true;
  }

  /// Closes the message, or takes it back when nothing was added.
  void end() {
    if (string_content_ ? !joined_.any() : !any_) {
      out_.resize(mark_);
      return;
    }
    out_.append(string_content_ ? "\"}," : "]},");
  }

 private:
  std::string& out_;
  size_t mark_;
  JoinedText joined_;
  bool string_content_ = false;
  bool any_ = false;
};

bool RequestConverter::write_user(element content, const Path& path) {
  if (is_string(content)) {
    if (!write_pending_placeholders()) {
      return false;
    }
    write_text_message("user", std::string_view(content));
    return true;
  }
  simdjson::dom::array blocks(content);
  UserTurn turn;
  if (!write_user_tool_results(blocks, path, turn)) {
    return false;
  }
  if (!turn.has_other && turn.tool_images.empty()) {
    return true;
  }
  return write_user_message(blocks, path, turn);
}

// Pass 1: tool results become tool messages right after the assistant's tool calls.
bool RequestConverter::write_user_tool_results(simdjson::dom::array blocks, const Path& path,
                                               UserTurn& turn) {
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
        turn.has_image = true;
      }
      turn.has_other = true;
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
    id = providers::plain_tool_id(id);  // as the tool call was written
    auto it = std::find(pending_ids_.begin(), pending_ids_.end(), id);
    if (it == pending_ids_.end() || answered_[size_t(it - pending_ids_.begin())]) {
      // No matching tool call: kept as user text below (a tool message would be rejected).
      turn.has_other = true;
      continue;
    }
    answered_[size_t(it - pending_ids_.begin())] = true;
    const size_t before = turn.tool_images.size();
    if (!write_tool_result(block, block_path, id, turn.tool_images)) {
      return false;
    }
    turn.tool_image_ids.insert(turn.tool_image_ids.end(), turn.tool_images.size() - before, id);
  }
  for (size_t k = 0; k < pending_ids_.size(); ++k) {
    if (answered_[k]) {
      turn.matched_ids.push_back(pending_ids_[k]);
    }
  }
  if (!turn.tool_images.empty()) {
    turn.has_image = true;
  }
  return write_pending_placeholders();
}

// Pass 2: everything else (and images returned by tools) as one user message.
bool RequestConverter::write_user_message(simdjson::dom::array blocks, const Path& path,
                                          UserTurn& turn) {
  UserMessage message(out_, turn.has_image);
  turn.used.assign(turn.matched_ids.size(), false);
  for (size_t k = 0; k < turn.tool_images.size(); ++k) {
    if (k == 0 || turn.tool_image_ids[k] != turn.tool_image_ids[k - 1]) {
      message.add_text("Image returned by tool call " + std::string(turn.tool_image_ids[k]) + ":");
    }
    if (!image_url(turn.tool_images[k], path, turn.url)) {
      return false;
    }
    message.add_image(turn.url);
  }
  size_t j = 0;
  for (element block : blocks) {
    if (!write_user_block(block, path.item(j), turn, message)) {
      return false;
    }
    ++j;
  }
  message.end();
  return true;
}

bool RequestConverter::write_user_block(element block, const Path& path, UserTurn& turn,
                                        UserMessage& message) {
  std::string_view type;
  get_string(block, "type", type);
  if (type == "text") {
    element t;
    if (!get_field(block, "text", t) || !is_string(t)) {
      return fail(path + ".text: expected a string");
    }
    message.add_text(std::string_view(t));
  } else if (type == "image") {
    if (!image_url(block, path, turn.url)) {
      return false;
    }
    message.add_image(turn.url);
  } else if (type == "document") {
    if (!document_text(block, path, turn.text, false)) {
      return false;
    }
    message.add_text(turn.text);
  } else if (type == "tool_result") {
    std::string_view id;
    get_string(block, "tool_use_id", id);
    id = providers::plain_tool_id(id);
    auto it = std::find(turn.matched_ids.begin(), turn.matched_ids.end(), id);
    if (it != turn.matched_ids.end() && !turn.used[size_t(it - turn.matched_ids.begin())]) {
      turn.used[size_t(it - turn.matched_ids.begin())] = true;
      return true;  // already sent as a tool message
    }
    orphan_tool_result_text(block, turn.text);
    message.add_text(turn.text);
  } else {
    // Unknown or unsupported block types (thinking in a user turn, search results, ...)
    // degrade to their text, or the text blocks of their `content`, else are skipped.
    std::string_view t;
    element inner;
    if (get_string(block, "text", t)) {
      message.add_text(t);
    } else if (get_field(block, "content", inner) && is_array(inner)) {
      for (element part : simdjson::dom::array(inner)) {
        if (get_string(part, "text", t)) {
          message.add_text(t);
        }
      }
    }
  }
  return true;
}

// --- assistant turns ---

bool RequestConverter::write_assistant(element content, const Path& path) {
  if (is_string(content)) {
    std::string_view text(content);
    if (text.empty()) {
      return true;
    }
    write_text_message("assistant", text);
    return true;
  }
  simdjson::dom::array blocks(content);
  bool has_text = false;
  bool has_tools = false;
  bool has_thinking = false;
  size_t j = 0;
  for (element block : blocks) {
    if (!check_assistant_block(block, path.item(j), has_text, has_tools, has_thinking)) {
      return false;
    }
    ++j;
  }
  if (!has_text && !has_tools) {
    return true;  // nothing a provider could take (e.g. thinking only)
  }
  const bool think_tags = rules_->history == providers::HistoryReasoning::think_tags &&
                          has_thinking && verified_thinking(blocks, scratch_);
  out_.append("{\"role\":\"assistant\",\"content\":");
  if (think_tags) {
    // MiniMax: the whole message as the model wrote it, its reasoning included.
    // As MiniMax wrote it: "<think>\n...\n</think>" (the newlines kept in the text or added).
    const bool open_newline = !scratch_.empty() && scratch_.front() == '\n';
    const bool close_newline = !scratch_.empty() && scratch_.back() == '\n';
    out_.append(open_newline ? "\"<think>" : "\"<think>\\n");
    append_escaped(out_, scratch_);
    out_.append(close_newline ? "</think>" : "\\n</think>");
    if (has_text) {
      out_.append("\\n\\n");
      append_joined(blocks, "text", "text", false);
    }
    out_.push_back('"');
  } else if (has_text) {
    append_joined(blocks, "text", "text");
  } else {
    out_.append("null");
  }
  if (has_thinking && options_.reasoning_content_in_history) {
    out_.append(",\"reasoning_content\":");
    append_joined(blocks, "thinking", "thinking");
  } else {
    write_history_reasoning(blocks, has_tools);
  }
  if (has_tools) {
    write_tool_calls(blocks);
  }
  out_.append("},");
  return true;
}

void RequestConverter::write_history_reasoning(simdjson::dom::array blocks, bool has_tools) {
  if (rules_->history != providers::HistoryReasoning::reasoning_content) {
    return;
  }
  // Kimi and DeepSeek: a tool-call turn must carry reasoning_content while the model thinks;
  // reasoning that does not verify (another model's) is left out, not sent as this model's.
  const bool verified = verified_thinking(blocks, scratch_);
  if (verified || (has_tools && thinking_on_)) {
    out_.append(",\"reasoning_content\":");
    append_json_string(out_, verified ? std::string_view(scratch_) : std::string_view());
  }
}

bool RequestConverter::verified_thinking(simdjson::dom::array blocks, std::string& text) {
  text.clear();
  bool any = false;
  for (element block : blocks) {
    std::string_view type;
    std::string_view thinking;
    std::string_view signature;
    if (!get_string(block, "type", type) || type != "thinking" ||
        !get_string(block, "thinking", thinking) || !get_string(block, "signature", signature) ||
        !providers::thinking_verifies(signature, rules_->id, upstream_model_, thinking)) {
      continue;
    }
    if (any) {
      text.append("\n\n");
    }
    text.append(thinking);
    any = true;
  }
  return any;
}

bool RequestConverter::check_assistant_block(element block, const Path& path, bool& has_text,
                                             bool& has_tools, bool& has_thinking) {
  std::string_view type;
  if (!block_type(block, path, type)) {
    return false;
  }
  element e;
  if (type == "text") {
    if (!get_field(block, "text", e) || !is_string(e)) {
      return fail(path + ".text: expected a string");
    }
    has_text = has_text || !std::string_view(e).empty();
  } else if (type == "tool_use") {
    for (const char* key : {"id", "name"}) {
      if (!get_field(block, key, e)) {
        return fail(path.field(key) + ": field required");
      }
      if (!is_string(e)) {
        return fail(expected(path.field(key), "a string", e));
      }
    }
    has_tools = true;
  } else if (type == "thinking") {
    if (get_field(block, "thinking", e)) {
      if (!is_string(e)) {
        return fail(expected(path + ".thinking", "a string", e));
      }
      has_thinking = has_thinking || !std::string_view(e).empty();
    }
  }
  return true;
}

void RequestConverter::append_joined(simdjson::dom::array blocks, std::string_view type,
                                     std::string_view field, bool quoted) {
  if (quoted) {
    out_.push_back('"');
  }
  JoinedText joined(out_);
  for (element block : blocks) {
    std::string_view block_type;
    get_string(block, "type", block_type);
    if (block_type == type) {
      std::string_view t;
      get_string(block, field, t);
      joined.add(t);
    }
  }
  if (quoted) {
    out_.push_back('"');
  }
}

}  // namespace ccproxy::convert::detail
