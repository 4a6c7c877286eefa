#pragma once
// Gemini takes tool parameters in an OpenAPI subset of JSON Schema and refuses everything
// else with a 400 ("Invalid JSON payload received. Unknown name ..."). The rewrite keeps the
// meaning where the subset can say it:
//   const -> a one-value enum (type string added for a string); oneOf -> anyOf;
//   $ref -> the definition from $defs / definitions inlined (at most 8 deep; a cycle or a
//   reference that cannot be resolved becomes a plain object);
//   exclusiveMinimum / exclusiveMaximum -> minimum / maximum (+-1 for integers);
//   type: [T, "null"] -> type T, nullable; string format other than enum and date-time dropped;
// and drops the rest ($schema, additionalProperties, propertyNames, patternProperties,
// examples, ...). type, properties, required, enum, items and description are always kept.

#include <simdjson.h>

#include <string>

namespace ccproxy::convert::providers {

/// Appends `schema` (a tool's input_schema, also the root its $refs point into) rewritten.
void write_gemini_schema(std::string& out, simdjson::dom::element schema);

}  // namespace ccproxy::convert::providers
