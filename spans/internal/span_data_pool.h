// Private: SpanData objects reused after export instead of freed and
// allocated again.
//
// A recorded RPC span otherwise costs three allocations on the RPC thread
// (the SpanData, its name, its peer) and three frees on the
// processor's thread, where glibc's per-thread caches cannot recycle them.
// Measured (bench/callgrind_per_call.py, variant "recording"): 1,532 of
// the interceptors' 8,580 own instructions per call; the README has the
// numbers.

#ifndef TRACEPROP_SPANS_INTERNAL_SPAN_DATA_POOL_H_
#define TRACEPROP_SPANS_INTERNAL_SPAN_DATA_POOL_H_

#include <memory>
#include <vector>

#include "traceprop/spans/span_data.h"

namespace traceprop {
namespace internal {

// NewSpanData returns an empty SpanData (every field as default-
// constructed), reused when one is pooled. Thread-safe: a thread takes up
// to kThreadTake pooled spans at once and uses them first.
std::unique_ptr<SpanData> NewSpanData();

// RecycleSpanData empties the non-null spans of `spans` (keeping the
// capacity of the name and of the RPC attributes' strings) and pools
// them, up to a fixed bound (kMaxPooledSpanData); the rest are freed.
// `spans` is left empty. Thread-safe.
void RecycleSpanData(std::vector<std::unique_ptr<SpanData>>& spans);

// RecycleSpanData(span) does the same for one span (a dropped one).
void RecycleSpanData(std::unique_ptr<SpanData> span);

// At most this many SpanData wait in the pool (each ~1 KiB with its
// buffers).
inline constexpr size_t kMaxPooledSpanData = 1024;

// A pooled span keeps its strings' buffers up to this many bytes each.
inline constexpr size_t kKeptStringCapacity = 128;

// How many spans a thread takes from the pool at once.
inline constexpr size_t kThreadTake = 16;

// PooledSpanDataForTesting is how many wait now for the calling thread:
// in the pool and taken by it.
size_t PooledSpanDataForTesting();

// DrainPoolForTesting empties the pool and what the calling thread took.
void DrainPoolForTesting();

}  // namespace internal
}  // namespace traceprop

#endif  // TRACEPROP_SPANS_INTERNAL_SPAN_DATA_POOL_H_
