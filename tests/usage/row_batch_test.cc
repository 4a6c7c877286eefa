#include "usage/row_batch.h"

#include <gtest/gtest.h>

#include <string>

#include "temp_dir.h"

namespace ccproxy::usage {
namespace {

using testing::expect_same_row;

UsageRow sample(int i) {
  UsageRow r;
  r.time_ms = 1'700'000'000'000 + i;
  r.profile = "glm";
  r.upstream = i % 2 == 0 ? "requesty" : "";
  r.model = "zai/GLM-4.6-" + std::to_string(i);
  r.client_model = "claude-sonnet-4-5-20250929";
  r.session = i % 3 == 0 ? "" : "sess-" + std::to_string(i);
  r.stream = i % 2 == 1;
  r.status = 200 + i;
  r.input_tokens = 1000 + i;
  r.output_tokens = 20 + i;
  r.cache_read_tokens = 300 + i;
  r.cache_write_tokens = 40 + i;
  r.latency_ms = 5000 + i;
  r.ttfb_ms = i % 4 == 0 ? -1 : 700 + i;
  return r;
}

TEST(RowBatch, EveryFieldComesBackAsAppended) {
  RowBatch batch;
  for (int i = 0; i < 50; ++i) {
    UsageRow row = sample(i);
    batch.append(UsageRowRef::of(row));
    row.model = "overwritten";  // the batch holds its own copy of the texts
  }
  ASSERT_EQ(batch.size(), 50u);
  for (int i = 0; i < 50; ++i) {
    SCOPED_TRACE(i);
    expect_same_row(batch[std::size_t(i)], sample(i));
  }
}

TEST(RowBatch, ClearedBatchKeepsItsMemoryAndTakesNewRows) {
  RowBatch batch;
  batch.append(UsageRowRef::of(sample(1)));
  const std::size_t held = batch.capacity_bytes();
  batch.clear();
  EXPECT_TRUE(batch.empty());
  EXPECT_EQ(batch.capacity_bytes(), held);
  batch.append(UsageRowRef::of(sample(7)));
  ASSERT_EQ(batch.size(), 1u);
  expect_same_row(batch[0], sample(7));
}

TEST(RowBatch, AnOverlongTextIsCutNotOverflowed) {
  UsageRow row = sample(2);
  row.model = std::string(70'000, 'm');
  RowBatch batch;
  batch.append(UsageRowRef::of(row));
  batch.append(UsageRowRef::of(sample(3)));
  EXPECT_EQ(batch[0].model.size(), 65'535u);
  EXPECT_EQ(batch[0].client_model, row.client_model);  // the fields after it are intact
  expect_same_row(batch[1], sample(3));
}

TEST(RowBatch, ASpikeBeyondTheKeptSizeIsReleasedOnClear) {
  RowBatch batch;
  UsageRow row = sample(4);
  row.session = std::string(128, 's');
  for (int i = 0; i < 10'000; ++i) {
    batch.append(UsageRowRef::of(row));
  }
  ASSERT_GT(batch.capacity_bytes(), RowBatch::kKeepBytes);
  batch.clear();
  EXPECT_LT(batch.capacity_bytes(), 64u);
  EXPECT_TRUE(batch.empty());
  batch.append(UsageRowRef::of(sample(5)));
  expect_same_row(batch[0], sample(5));
}

}  // namespace
}  // namespace ccproxy::usage
