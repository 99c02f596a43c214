#include "traceprop/spans/internal/span_data_pool.h"

#include <mutex>
#include <string>
#include <utility>

namespace traceprop {
namespace internal {
namespace {

struct Pool {
  std::mutex mu;
  std::vector<std::unique_ptr<SpanData>> free;
};

Pool& GetPool() {
  static Pool* pool = new Pool;  // never destroyed: used until exit
  return *pool;
}

// Clear empties `s`, keeping its buffer when it is small (bounding the
// pool's memory: a long name is freed, not kept for 1024 spans).
void Clear(std::string& s) {
  if (s.capacity() > kKeptStringCapacity) {
    std::string().swap(s);
  } else {
    s.clear();
  }
}

// Empties `span` but keeps the buffers an RPC span refills every time (the
// name, the peer, the server address). Field by field: assigning a new SpanData
// cost ~470 instructions per span, on the CPU the RPCs share. A field added to
// SpanData must be reset here too (span_data_pool_test checks each).
void Empty(SpanData& span) {
  span.trace_id = TraceId();
  span.span_id = SpanId();
  span.parent_span_id = SpanId();
  span.parent_is_remote = false;
  span.flags = TraceFlags();
  span.trace_state.clear();
  Clear(span.name);
  span.kind = SpanKind::kInternal;
  span.start_unix_nano = 0;
  span.end_unix_nano = 0;
  span.status = StatusCode::kUnset;
  span.status_message.clear();
  span.rpc.is_rpc = false;
  span.rpc.grpc_status_code = -1;
  span.rpc.server_port = -1;
  Clear(span.rpc.server_address);
  Clear(span.rpc.peer);
  span.attributes.clear();
  span.events.clear();
  span.links.clear();
  span.dropped_attributes = 0;
  span.dropped_events = 0;
  span.dropped_links = 0;
}

// The spans a thread took from the pool and has not used yet: up to
// kThreadTake at a time, so that recording pays the pool's lock once per
// kThreadTake spans (a lock per span cost ~100 instructions of the ~370
// that starting an RPC span costs; bench/callgrind_per_call.py). Plain
// pointers with the initial-exec model: one TLS read, no guard and no
// __tls_get_addr call (a thread_local vector cost ~70 a span so).
struct Taken {
  SpanData* spans[kThreadTake];
  size_t n;
};
__attribute__((tls_model("initial-exec"))) thread_local Taken t_taken = {};

// Frees what a thread took when the thread exits; registered the first
// time the thread takes from the pool.
struct FreeTakenAtExit {
  ~FreeTakenAtExit() {
    for (size_t i = 0; i < t_taken.n; ++i) delete t_taken.spans[i];
    t_taken.n = 0;
  }
};

// TakeFromPool moves up to kThreadTake pooled spans to t_taken (empty).
void TakeFromPool() {
  thread_local FreeTakenAtExit free_at_exit;
  (void)free_at_exit;
  Pool& pool = GetPool();
  std::lock_guard<std::mutex> lock(pool.mu);
  while (t_taken.n < kThreadTake && !pool.free.empty()) {
    t_taken.spans[t_taken.n++] = pool.free.back().release();
    pool.free.pop_back();
  }
}

}  // namespace

std::unique_ptr<SpanData> NewSpanData() {
  if (t_taken.n == 0) TakeFromPool();
  if (t_taken.n == 0) return std::make_unique<SpanData>();
  return std::unique_ptr<SpanData>(t_taken.spans[--t_taken.n]);
}

void RecycleSpanData(std::vector<std::unique_ptr<SpanData>>& spans) {
  // Emptied outside the lock; what the pool has no room for is freed
  // outside it too.
  for (std::unique_ptr<SpanData>& span : spans) {
    if (span != nullptr) Empty(*span);
  }
  Pool& pool = GetPool();
  {
    std::lock_guard<std::mutex> lock(pool.mu);
    if (pool.free.capacity() < kMaxPooledSpanData)
      pool.free.reserve(kMaxPooledSpanData);
    for (std::unique_ptr<SpanData>& span : spans) {
      if (pool.free.size() == kMaxPooledSpanData) break;
      if (span != nullptr) pool.free.push_back(std::move(span));
    }
  }
  spans.clear();
}

void RecycleSpanData(std::unique_ptr<SpanData> span) {
  if (span == nullptr) return;
  Empty(*span);
  Pool& pool = GetPool();
  std::lock_guard<std::mutex> lock(pool.mu);
  if (pool.free.size() < kMaxPooledSpanData)
    pool.free.push_back(std::move(span));
}

size_t PooledSpanDataForTesting() {
  Pool& pool = GetPool();
  std::lock_guard<std::mutex> lock(pool.mu);
  return pool.free.size() + t_taken.n;
}

void DrainPoolForTesting() {
  while (t_taken.n > 0) delete t_taken.spans[--t_taken.n];
  Pool& pool = GetPool();
  std::lock_guard<std::mutex> lock(pool.mu);
  pool.free.clear();
}

}  // namespace internal
}  // namespace traceprop
