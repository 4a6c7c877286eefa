#include "worker/convert/json_access.h"

#include "worker/convert/json_writer.h"

namespace ccproxy::convert::detail {

simdjson::error_code parse_lenient(simdjson::dom::parser& parser, std::string_view text,
                                   std::string& scratch, element& root) {
  auto error = parser.parse(text.data(), text.size()).get(root);
  if (error != simdjson::UTF8_ERROR && error != simdjson::STRING_ERROR) {
    return error;
  }
  scratch = is_valid_utf8(text) ? std::string(text) : sanitize_utf8(text);
  repair_lone_surrogates(scratch);
  return parser.parse(scratch).get(root);
}

simdjson::dom::parser& thread_parser() {
  thread_local simdjson::dom::parser parser;
  return parser;
}

const char* type_name(element_type t) {
  switch (t) {
    case element_type::ARRAY:
      return "an array";
    case element_type::OBJECT:
      return "an object";
    case element_type::INT64:
    case element_type::UINT64:
    case element_type::DOUBLE:
      return "a number";
    case element_type::STRING:
      return "a string";
    case element_type::BOOL:
      return "a boolean";
    case element_type::NULL_VALUE:
      return "null";
  }
  return "a value";
}

}  // namespace ccproxy::convert::detail
