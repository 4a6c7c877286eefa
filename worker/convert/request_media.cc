// RequestConverter, media: images as image_url parts (data: URLs for base64 sources) and
// documents as text.

#include <string>
#include <string_view>

#include "worker/convert/base64.h"
#include "worker/convert/json_writer.h"
#include "worker/convert/request_converter.h"

namespace ccproxy::convert::detail {

bool RequestConverter::media_source(element block, const Path& path, element& source,
                                    std::string_view& type) {
  if (!get_field(block, "source", source)) {
    return fail(path + ".source: field required");
  }
  if (!is_object(source)) {
    return fail(expected(path + ".source", "an object", source));
  }
  if (!get_string(source, "type", type)) {
    return fail(path + ".source.type: field required");
  }
  return true;
}

bool RequestConverter::image_url(element block, const Path& path, std::string& url) {
  element source;
  std::string_view type;
  if (!media_source(block, path, source, type)) {
    return false;
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
  std::string_view type;
  if (!media_source(block, path, source, type)) {
    return false;
  }
  std::string_view media_type;
  get_string(source, "media_type", media_type);
  if (type == "text") {
    element data;
    if (!get_field(source, "data", data) || !is_string(data)) {
      return fail(path + ".source.data: expected a string");
    }
    text.append(std::string_view(data));
    return true;
  }
  if (type == "content") {
    return document_content_text(source, path, text);
  }
  if (type == "base64" && media_type.substr(0, 5) == "text/") {
    return document_base64_text(source, path, text);
  }
  return unsupported_document(type, media_type, path, text, degrade_unsupported);
}

// A `content` source: a string, or content blocks whose texts are joined.
bool RequestConverter::document_content_text(element source, const Path& path, std::string& text) {
  element e;
  if (!get_field(source, "content", e)) {
    return fail(path + ".source.content: field required");
  }
  if (is_string(e)) {
    text.append(std::string_view(e));
    return true;
  }
  if (!is_array(e)) {
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

// A base64 `text/*` source, decoded; invalid UTF-8 in it becomes U+FFFD.
bool RequestConverter::document_base64_text(element source, const Path& path, std::string& text) {
  element e;
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

bool RequestConverter::unsupported_document(std::string_view type, std::string_view media_type,
                                            const Path& path, std::string& text,
                                            bool degrade_unsupported) {
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

}  // namespace ccproxy::convert::detail
