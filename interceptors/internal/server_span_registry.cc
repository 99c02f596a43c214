#include "traceprop/interceptors/internal/server_span_registry.h"

#include <cstddef>
#include <cstdint>
#include <mutex>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"

namespace traceprop {
namespace internal {
namespace {

constexpr size_t kShards = 16;

// std::mutex rather than absl::Mutex: the system Abseil is not built with
// ThreadSanitizer, which then cannot see absl::Mutex's synchronisation,
// while it intercepts pthread mutexes.
struct Shard {
  std::mutex mu;
  absl::flat_hash_map<const grpc::ServerContextBase*, const CallSpans*> map
      ABSL_GUARDED_BY(mu);
};

Shard* Shards() {
  static Shard* shards = new Shard[kShards];  // never destroyed: used by
  return shards;                              // calls ending at exit
}

Shard& ShardFor(const grpc::ServerContextBase* ctx) {
  // Contexts are heap objects: drop the alignment bits before mixing.
  uintptr_t p = reinterpret_cast<uintptr_t>(ctx) >> 4;
  p ^= p >> 7;
  return Shards()[p % kShards];
}

}  // namespace

void RegisterCallSpans(const grpc::ServerContextBase* ctx,
                       const CallSpans* spans) {
  Shard& s = ShardFor(ctx);
  std::lock_guard<std::mutex> lock(s.mu);
  s.map.insert_or_assign(ctx, spans);
}

void UnregisterCallSpans(const grpc::ServerContextBase* ctx,
                         const CallSpans* spans) {
  Shard& s = ShardFor(ctx);
  std::lock_guard<std::mutex> lock(s.mu);
  auto it = s.map.find(ctx);
  if (it != s.map.end() && it->second == spans) s.map.erase(it);
}

bool FindCallSpans(const grpc::ServerContextBase* ctx, CallSpans* out) {
  Shard& s = ShardFor(ctx);
  std::lock_guard<std::mutex> lock(s.mu);
  auto it = s.map.find(ctx);
  if (it == s.map.end()) return false;
  *out = *it->second;
  return true;
}

}  // namespace internal
}  // namespace traceprop
