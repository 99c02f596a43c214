// Private: ThreadSanitizer happens-before annotations for the points where
// traceprop hands an object to gRPC and gRPC hands it back.
//
// The system gRPC (Debian 12, 1.51) and Abseil are not built with TSan, so
// the synchronisation gRPC performs when it moves a call's data from the
// thread that starts an operation to the thread that completes it (its
// absl::Mutex, atomics, completion queues, executors) is invisible. We tell
// TSan about the edge gRPC guarantees, at the two ends that run our code:
//
//   TsanRelease(key);   // this thread hands `key`'s data to gRPC
//   ...                 // gRPC moves it to another thread
//   TsanAcquire(key);   // gRPC handed it back: see everything done before
//                       // the matching TsanRelease
//
// Only edges gRPC documents are annotated (see tracing.cc and cq_tag.h);
// races in our own code that these edges do not order are still reported.
// In builds without -fsanitize=thread both functions are empty inline
// functions: zero cost, no dependency on the sanitizer runtime.

#ifndef TRACEPROP_INTERCEPTORS_INTERNAL_TSAN_ANNOTATIONS_H_
#define TRACEPROP_INTERCEPTORS_INTERNAL_TSAN_ANNOTATIONS_H_

#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define TRACEPROP_INTERNAL_TSAN 1
#endif
#endif
#if !defined(TRACEPROP_INTERNAL_TSAN) && defined(__SANITIZE_THREAD__)
#define TRACEPROP_INTERNAL_TSAN 1
#endif

#ifdef TRACEPROP_INTERNAL_TSAN
#include <sanitizer/tsan_interface.h>
#endif

namespace traceprop {
namespace internal {

// TsanRelease marks, for ThreadSanitizer, that everything this thread did so
// far happens before any later TsanAcquire(key) on another thread. `key` is
// only an address naming the hand-off (never dereferenced). No-op without
// TSan. Thread-safe.
inline void TsanRelease(const void* key) {
#ifdef TRACEPROP_INTERNAL_TSAN
  __tsan_release(const_cast<void*>(key));
#else
  (void)key;
#endif
}

// TsanAcquire marks that what follows on this thread happens after every
// earlier TsanRelease(key). No-op without TSan. Thread-safe.
inline void TsanAcquire(const void* key) {
#ifdef TRACEPROP_INTERNAL_TSAN
  __tsan_acquire(const_cast<void*>(key));
#else
  (void)key;
#endif
}

}  // namespace internal
}  // namespace traceprop

#undef TRACEPROP_INTERNAL_TSAN

#endif  // TRACEPROP_INTERCEPTORS_INTERNAL_TSAN_ANNOTATIONS_H_
