#pragma once
// Byte counts for people: "0 bytes", "512 bytes", "1.5 KB", "50 MB", "1 GB" (binary units).

#include <cstdint>
#include <string>

namespace ccproxy::logging {

std::string size_text(std::uint64_t bytes);

}  // namespace ccproxy::logging
