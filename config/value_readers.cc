#include "config/value_readers.h"

#include <utility>

namespace ccproxy::config {

bool has_control_chars(std::string_view s) {
  for (char c : s) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      return true;
    }
  }
  return false;
}

std::optional<std::string> read_enum(TableReader& r, std::string_view key,
                                     std::initializer_list<std::string_view> choices) {
  auto found = r.find(key);
  auto value = r.string(key);
  if (!value) {
    return std::nullopt;
  }
  std::string list;
  for (auto c : choices) {
    if (*value == c) {
      return value;
    }
    list += list.empty() ? "" : ", ";
    list += c;
  }
  std::string message = "'";
  message.append(*value, 0, 40).append("' is not one of ").append(list);
  r.problem(*found, key, message);
  return std::nullopt;
}

std::optional<std::string> read_secret(TableReader& r, std::string_view key) {
  auto found = r.find(key);
  auto value = r.string(key);
  if (value && has_control_chars(*value)) {
    r.problem(*found, key, "must not contain line breaks or control characters");
    return std::nullopt;
  }
  return value;
}

std::optional<std::string> read_model(TableReader& r, std::string_view key) {
  auto found = r.find(key);
  auto value = r.string(key);
  if (!value) {
    return std::nullopt;
  }
  if (value->empty()) {
    r.problem(*found, key, "must not be empty");
    return std::nullopt;
  }
  if (has_control_chars(*value)) {
    r.problem(*found, key, "must not contain control characters");
    return std::nullopt;
  }
  return value;
}

void read_timeout_values(TableReader& timeouts, worker::Timeouts& out, bool total) {
  constexpr double kDay = 86400;
  for (auto [key, slot] :
       {std::pair{"connect_s", &out.connect}, std::pair{"first_byte_s", &out.first_byte},
        std::pair{"idle_s", &out.idle}, std::pair{"total_s", &out.total}}) {
    if (!total && slot == &out.total) {
      continue;
    }
    if (auto v = timeouts.seconds(key, true, kDay)) {
      *slot = *v;
    }
  }
}

}  // namespace ccproxy::config
