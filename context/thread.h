// traceprop/context/thread.h — std::thread that inherits the current context.
//
// A new std::thread starts with no current context. `MakeThread` starts one
// whose function runs under the creating thread's Current() (captured when
// MakeThread is called). From examples/thread_pool/main.cc:
//
//   // In HandleRequest(), inside the request's SpanScope (span id `mine`):
//   threads.push_back(traceprop::MakeThread(
//       [mine](int n) {
//         (void)n;
//         Check("audit", mine);  // Current() is the request's span
//       },
//       42));
//   ...
//   for (std::thread& t : threads) t.join();  // in main()
//
// W3C Trace Context does not cover in-process propagation; this is the
// in-process half of "the trace follows the work".

#ifndef TRACEPROP_CONTEXT_THREAD_H_
#define TRACEPROP_CONTEXT_THREAD_H_

#include <thread>
#include <utility>

#include "traceprop/context/current.h"
#include "traceprop/context/trace_context.h"
#include "traceprop/context/wrap.h"

namespace traceprop {

// MakeThreadWithContext(context, f, args...) starts a std::thread running
// f(args...) with `context` current on the new thread. Arguments are
// decay-copied into the thread exactly as std::thread does (use std::ref to
// pass a reference), move-only `f` and arguments included. Returns the
// joinable std::thread; the caller joins or detaches it as usual.
//
// Bad input: an invalid `context` runs f with no context. If f throws, the
// exception escapes the thread function and std::terminate is called, as
// for std::thread. Throws std::system_error when the thread cannot be
// started, as std::thread does.
//
// Thread-safe.
template <typename F, typename... Args>
std::thread MakeThreadWithContext(TraceContext context, F&& f, Args&&... args) {
  return std::thread(Wrap(std::move(context), std::forward<F>(f)),
                     std::forward<Args>(args)...);
}

// MakeThread(f, args...) is MakeThreadWithContext(Current(), f, args...):
// the new thread continues the calling thread's current context (with
// none, it runs with none). Same rules otherwise.
template <typename F, typename... Args>
std::thread MakeThread(F&& f, Args&&... args) {
  return MakeThreadWithContext(Current(), std::forward<F>(f),
                               std::forward<Args>(args)...);
}

}  // namespace traceprop

#endif  // TRACEPROP_CONTEXT_THREAD_H_
