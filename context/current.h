// traceprop/context/current.h — the calling thread's current trace context.
//
// C++ has no contextvars: traceprop keeps one pointer per thread to the
// context of the innermost active scope. Scopes are RAII guards that
// install a context and restore exactly what they replaced.
//
//   void HandleJob(const traceprop::TraceContext& parent) {
//     traceprop::ContextScope scope(parent);   // parent is now Current()
//     traceprop::SpanScope span;               // a child span of it
//     LOG(INFO) << traceprop::Current().span_id().ToHex();
//   }                                          // previous context restored
//
// Cost: reading Current() is one thread-local load; a scope is two.

#ifndef TRACEPROP_CONTEXT_CURRENT_H_
#define TRACEPROP_CONTEXT_CURRENT_H_

#include <utility>

#include "traceprop/context/trace_context.h"

namespace traceprop {
namespace internal {

// The slot is defined once, in context/internal/current_slot.cc. `__thread`
// (constant-initialised, no TLS wrapper call) with the initial-exec model:
// a single %fs-relative load, also from a shared library.
extern __thread const TraceContext* current_slot
    __attribute__((tls_model("initial-exec")));

// The invalid context Current() returns when no scope is active.
extern const TraceContext kNoContext;

}  // namespace internal

// Current returns the calling thread's current context: the one installed
// by the innermost live scope on this thread, or an invalid context
// (IsValid() false) when there is none. The reference stays valid until
// that scope ends; copy the value to keep it longer. Thread-safe (each
// thread sees only its own).
inline const TraceContext& Current() {
  const TraceContext* c = internal::current_slot;
  return c != nullptr ? *c : internal::kNoContext;
}

// ContextScope makes `context` current on this thread for its lifetime and
// then restores exactly what it replaced. Nestable. Neither copyable nor
// movable; destroy it on the thread that created it, innermost first.
// An invalid `context` is installed as "no context": Current().IsValid()
// is false inside the scope (it hides any outer context rather than
// pretending the invalid one is a trace). Thread-hostile: one thread only.
class ContextScope {
 public:
  explicit ContextScope(TraceContext context)
      : context_(std::move(context)), previous_(internal::current_slot) {
    internal::current_slot = &context_;
  }
  ~ContextScope() { internal::current_slot = previous_; }

  ContextScope(const ContextScope&) = delete;
  ContextScope& operator=(const ContextScope&) = delete;
  ContextScope(ContextScope&&) = delete;
  ContextScope& operator=(ContextScope&&) = delete;

  const TraceContext& context() const { return context_; }

 private:
  const TraceContext context_;
  const TraceContext* const previous_;
};

// SpanScope starts a span of work: a child of Current() (new span id, same
// trace id, flags and tracestate; parent_span_id() = the current span id),
// or a new root trace when there is no valid current context, and makes it
// current for its lifetime. The C++ counterpart of a
// `with DistributedTraceContext():` block. Same rules as ContextScope.
class SpanScope {
 public:
  SpanScope() : scope_(Current().Child()) {}
  // SpanScope(parent) starts a child of `parent` instead (a new root when
  // `parent` is invalid).
  explicit SpanScope(const TraceContext& parent) : scope_(parent.Child()) {}

  SpanScope(const SpanScope&) = delete;
  SpanScope& operator=(const SpanScope&) = delete;

  const TraceContext& context() const { return scope_.context(); }

 private:
  ContextScope scope_;
};

}  // namespace traceprop

#endif  // TRACEPROP_CONTEXT_CURRENT_H_
