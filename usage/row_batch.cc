#include "usage/row_batch.h"

#include <limits>

namespace ccproxy::usage {
namespace {

// A text field is cut at this length (64 KiB - 1): the request path never passes longer ones
// (session ids are cut at 128 characters, model names are short).
constexpr std::size_t kMaxField = std::numeric_limits<std::uint16_t>::max();

}  // namespace

UsageRowRef UsageRowRef::of(const UsageRow& row) {
  UsageRowRef ref;
  ref.time_ms = row.time_ms;
  ref.profile = row.profile;
  ref.upstream = row.upstream;
  ref.model = row.model;
  ref.client_model = row.client_model;
  ref.session = row.session;
  ref.stream = row.stream;
  ref.status = row.status;
  ref.input_tokens = row.input_tokens;
  ref.output_tokens = row.output_tokens;
  ref.cache_read_tokens = row.cache_read_tokens;
  ref.cache_write_tokens = row.cache_write_tokens;
  ref.latency_ms = row.latency_ms;
  ref.ttfb_ms = row.ttfb_ms;
  return ref;
}

void RowBatch::append(const UsageRowRef& row) {
  Packed packed{row.time_ms,
                row.input_tokens,
                row.output_tokens,
                row.cache_read_tokens,
                row.cache_write_tokens,
                row.latency_ms,
                row.ttfb_ms,
                text_.size(),
                row.status,
                {},
                row.stream};
  const std::string_view fields[5] = {row.profile, row.upstream, row.model, row.client_model,
                                      row.session};
  for (int i = 0; i < 5; ++i) {
    const std::string_view field = fields[i].substr(0, kMaxField);
    packed.length[i] = static_cast<std::uint16_t>(field.size());
    text_.append(field);
  }
  rows_.push_back(packed);
}

UsageRowRef RowBatch::operator[](std::size_t i) const {
  const Packed& packed = rows_[i];
  UsageRowRef row;
  row.time_ms = packed.time_ms;
  row.stream = packed.stream;
  row.status = packed.status;
  row.input_tokens = packed.input_tokens;
  row.output_tokens = packed.output_tokens;
  row.cache_read_tokens = packed.cache_read_tokens;
  row.cache_write_tokens = packed.cache_write_tokens;
  row.latency_ms = packed.latency_ms;
  row.ttfb_ms = packed.ttfb_ms;
  std::string_view* fields[5] = {&row.profile, &row.upstream, &row.model, &row.client_model,
                                 &row.session};
  std::size_t at = packed.offset;
  for (int f = 0; f < 5; ++f) {
    *fields[f] = std::string_view(text_).substr(at, packed.length[f]);
    at += packed.length[f];
  }
  return row;
}

void RowBatch::clear() {
  if (capacity_bytes() > kKeepBytes) {
    std::vector<Packed>().swap(rows_);
    std::string().swap(text_);
    return;
  }
  rows_.clear();
  text_.clear();
}

}  // namespace ccproxy::usage
