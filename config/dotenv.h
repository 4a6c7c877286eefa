#pragma once
// The .env format shared by the home's .env and legacy proxy files: NAME=VALUE lines, an
// optional `export ` prefix, single quotes (literal), double quotes (\n \t \" \\ \$ escapes,
// may span lines), `#` comments on their own line or after whitespace in unquoted values.
// Values are taken literally: no ${VAR} expansion happens here.

#include <string>
#include <string_view>
#include <vector>

namespace ccproxy::config {

struct DotenvEntry {
  std::string name;
  std::string value;
  int line = 0;  // 1-based line of the NAME
};

struct DotenvError {
  int line = 0;
  std::string message;  // never quotes the value: .env files hold secrets
};

struct DotenvFile {
  std::vector<DotenvEntry> entries;  // in file order; a repeated NAME appears twice (last wins)
  std::vector<DotenvError> errors;
};

DotenvFile parse_dotenv(std::string_view text);

}  // namespace ccproxy::config
