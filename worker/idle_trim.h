#pragma once
// Giving memory back while a worker has nothing to do.
//
// Most of an idle worker's resident set is not its own: it is pages of its binary and of the
// shared libraries (libcrypto alone maps about 4 MB of them once TLS has been used), shared with
// every process that maps the same files. While the worker is idle it needs almost none of
// them. Trimming drops the worker's mappings of those pages: they stay in the kernel's page
// cache, and the next request maps back the ones it uses with minor faults (no disk I/O while
// the cache holds them), as after any reclaim under memory pressure.

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace ccproxy::worker {

/// A mapping's address range, [begin, end), and how much of it is resident.
struct PageRange {
  std::uintptr_t begin = 0;
  std::uintptr_t end = 0;
  std::size_t resident_bytes = 0;
};

/// The ranges of /proc/PID/smaps text that are safe to drop: private, read-only mappings of a
/// file, with resident pages and none of their own. A mapping that holds a page of its own
/// (Anonymous > 0: data relocated at load time, a debugger's breakpoint, a uprobe) or locked
/// pages is kept whole, since dropping it would lose or unlock them; anything writable, shared,
/// anonymous or special ([vdso], [stack]...) is never listed.
std::vector<PageRange> droppable_file_ranges(std::string_view smaps);

/// What one trim gave back.
struct TrimResult {
  std::size_t file_bytes = 0;  // resident file pages no longer mapped
  std::size_t mappings = 0;    // mappings they belonged to
  bool smaps_read = false;     // false: /proc/self/smaps could not be read (only the heap trimmed)
};

/// Returns the heap's free pages to the system (malloc_trim) and drops the process's resident
/// pages of the ranges droppable_file_ranges() finds in /proc/self/smaps (MADV_DONTNEED).
/// Costs a read of smaps (about a millisecond): for idle moments, not the request path.
TrimResult trim_idle_memory();

}  // namespace ccproxy::worker
