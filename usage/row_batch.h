#pragma once
// Rows on their way to the ledger, packed so that handing them over allocates nothing.
//
// A worker queues a row per request and the ledger's thread writes them in batches. With one
// heap string per text field, every row cost allocations on the request thread and frees on
// the writer thread (glibc then locks the request thread's arena): most of the ledger's CPU.
// A RowBatch keeps the numbers in one vector and the texts in one string; both keep their
// capacity when cleared, and the writer hands an emptied batch back, so in steady state a row
// is two appends into memory that is already there.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "usage/usage_row.h"

namespace ccproxy::usage {

/// A row whose texts are borrowed (valid while the caller keeps them).
struct UsageRowRef {
  std::int64_t time_ms = 0;
  std::string_view profile;
  std::string_view upstream;
  std::string_view model;
  std::string_view client_model;
  std::string_view session;  // "" when the client sent none
  bool stream = false;
  int status = 0;
  std::int64_t input_tokens = 0;
  std::int64_t output_tokens = 0;
  std::int64_t cache_read_tokens = 0;
  std::int64_t cache_write_tokens = 0;
  std::int64_t latency_ms = 0;
  std::int64_t ttfb_ms = -1;

  static UsageRowRef of(const UsageRow& row);
};

class RowBatch {
 public:
  /// Copies `row` in (its texts into the batch's own buffer).
  void append(const UsageRowRef& row);
  /// Row `i`; its texts point into this batch until it is cleared or appended to.
  UsageRowRef operator[](std::size_t i) const;
  std::size_t size() const { return rows_.size(); }
  bool empty() const { return rows_.empty(); }
  /// Forgets the rows, keeping the memory (released instead when a spike grew it past
  /// kKeepBytes).
  void clear();

  static constexpr std::size_t kKeepBytes = 1 << 20;
  /// The memory the batch holds (what clear() keeps).
  std::size_t capacity_bytes() const {
    return rows_.capacity() * sizeof(rows_[0]) + text_.capacity();
  }

 private:
  struct Packed {
    std::int64_t time_ms, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens,
        latency_ms, ttfb_ms;
    std::size_t offset;  // where the row's texts start in text_
    int status;
    std::uint16_t length[5];  // profile, upstream, model, client_model, session
    bool stream;
  };
  std::vector<Packed> rows_;
  std::string text_;
};

}  // namespace ccproxy::usage
