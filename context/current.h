// traceprop/context/current.h — the calling thread's current trace context.
//
// C++ has no contextvars: traceprop keeps one pointer per thread to the
// context of the innermost active scope. Scopes are RAII guards that
// install a context and restore exactly what they replaced. To carry the
// current context into work that runs later or elsewhere, see wrap.h
// (callbacks, executors, std::thread) and background.h (task payloads). From examples/thread_pool/main.cc:
//
//   void HandleRequest(const std::string& traceparent, ...) {
//     ...  // incoming: the parsed header, or invalid when it is malformed
//     traceprop::ContextScope request(incoming);  // incoming is Current()
//     traceprop::SpanScope span;                  // a child span of it
//     Log("request", traceprop::Current());       // span's trace/span id
//     const traceprop::TraceContext mine = span.context();
//     pool.post([mine] { Check("task", mine); });  // runs under `mine`
//     ...
//   }  // previous context back
//
// Cost (bench/context_benchmark.cc): reading Current() is one thread-local
// load (~0.3 ns); a scope copies its context and does one thread-local load
// and two stores (~2 ns); a SpanScope adds one span id (~7 ns in all).
//
// Misuse checks: with TRACEPROP_SCOPE_CHECKS (on by default when NDEBUG is
// not defined, off otherwise; define it to 0 or 1 to choose) a scope
// destroyed on another thread than the one that created it, or destroyed
// while a scope created after it on the same thread is still alive, prints
// "traceprop: scope (...) destroyed on a different thread ..." or
// "... destroyed out of order ..." to stderr and aborts. Translation units
// built with and without the checks can be linked into one program: the
// scope classes live in different inline namespaces.

#ifndef TRACEPROP_CONTEXT_CURRENT_H_
#define TRACEPROP_CONTEXT_CURRENT_H_

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "traceprop/context/baggage.h"
#include "traceprop/context/trace_context.h"

#ifndef TRACEPROP_SCOPE_CHECKS
#ifdef NDEBUG
#define TRACEPROP_SCOPE_CHECKS 0
#else
#define TRACEPROP_SCOPE_CHECKS 1
#endif
#endif

#if TRACEPROP_SCOPE_CHECKS
#define TRACEPROP_INTERNAL_SCOPE_NS scope_checked
#else
#define TRACEPROP_INTERNAL_SCOPE_NS scope_unchecked
#endif

namespace traceprop {
namespace internal {

// The slot is defined once, in context/internal/current_slot.cc. `__thread`
// (constant-initialised, no TLS wrapper call) with the initial-exec model:
// a single %fs-relative load, also from a shared library.
extern __thread const TraceContext* current_slot
    __attribute__((tls_model("initial-exec")));

// The invalid context Current() returns when no scope is active.
extern const TraceContext kNoContext;

// ScopeMisuse prints "traceprop: <scope> <problem>" to stderr and aborts.
// Called only by the scope checks.
[[noreturn]] void ScopeMisuse(const char* scope, const char* problem);

// ThreadMarker is an address unique to the calling thread while it runs
// (the address of its slot): a check that costs one instruction.
inline const void* ThreadMarker() { return &current_slot; }

// SlotGuard installs `context` in the slot and restores the previous value
// on destruction. No checks: for code that creates and destroys it within
// one function call on one thread (Wrap). `context` must outlive it.
class SlotGuard {
 public:
  explicit SlotGuard(const TraceContext* context) : previous_(current_slot) {
    current_slot = context;
  }
  ~SlotGuard() { current_slot = previous_; }
  SlotGuard(const SlotGuard&) = delete;
  SlotGuard& operator=(const SlotGuard&) = delete;

 private:
  const TraceContext* const previous_;
};

}  // namespace internal

// Current returns the calling thread's current context: the one installed
// by the innermost live scope on this thread, or an invalid context
// (IsValid() false) when there is none. The reference stays valid until
// that scope ends; copy the value to keep it longer. Thread-safe (each
// thread sees only its own). Never fails.
inline const TraceContext& Current() {
  const TraceContext* c = internal::current_slot;
  return c != nullptr ? *c : internal::kNoContext;
}

// CurrentBaggage is the W3C Baggage of Current() (empty if none). It rides
// with the context: scopes, Wrap, executors and task payloads carry it.
inline const Baggage& CurrentBaggage() { return Current().baggage(); }

inline namespace TRACEPROP_INTERNAL_SCOPE_NS {

// ContextScope makes a copy of `context` current on this thread for its
// lifetime and then restores exactly what it replaced (including "no
// context"). Nestable.
//
// Bad input: an invalid `context` is installed as "no context":
// Current().IsValid() is false inside the scope (it hides any outer context
// rather than pretending the invalid one is a trace).
//
// Thread safety and lifetime: thread-hostile. Create it as a local
// variable; it must be destroyed on the thread that created it, innermost
// scope first (which locals do by themselves). Neither copyable nor
// movable. With TRACEPROP_SCOPE_CHECKS, breaking either rule aborts with a
// message naming the problem; without them, destroying it on another thread
// or out of order is undefined behaviour (in practice the wrong thread's
// context is overwritten and one request's trace leaks into the next).
class ContextScope {
 public:
  explicit ContextScope(const TraceContext& context) : context_(context) {
    Enter();
  }
  explicit ContextScope(TraceContext&& context) : context_(std::move(context)) {
    Enter();
  }
  ~ContextScope() {
#if TRACEPROP_SCOPE_CHECKS
    if (internal::ThreadMarker() != owner_) {
      internal::ScopeMisuse(
          "scope (ContextScope/SpanScope/TaskScope)",
          "destroyed on a different thread than the one that created it "
          "(a scope must end on its own thread; use traceprop::Wrap to carry "
          "a context to another thread)");
    }
    if (internal::current_slot != &context_) {
      internal::ScopeMisuse(
          "scope (ContextScope/SpanScope/TaskScope)",
          "destroyed out of order: a scope created after it on this thread "
          "is still alive (scopes must end innermost first)");
    }
#endif
    internal::current_slot = previous_;
  }

  ContextScope(const ContextScope&) = delete;
  ContextScope& operator=(const ContextScope&) = delete;
  ContextScope(ContextScope&&) = delete;
  ContextScope& operator=(ContextScope&&) = delete;

  // context is the context this scope installed (as given, also if invalid).
  const TraceContext& context() const { return context_; }

 private:
  void Enter() {
    previous_ = internal::current_slot;
    internal::current_slot = &context_;
  }

  const TraceContext context_;
  const TraceContext* previous_;
#if TRACEPROP_SCOPE_CHECKS
  const void* const owner_ = internal::ThreadMarker();
#endif
};

// SpanScope starts a span of work and makes it current for its lifetime:
// a child of Current() (new span id; same trace id, flags and tracestate;
// parent_span_id() = the current span id), or a new root trace (fresh trace
// id, sampled) when there is no valid current context. The C++ counterpart
// of a `with DistributedTraceContext():` block. Costs one span id
// generation (thread-local, lock-free).
//
// Bad input: none possible for SpanScope(); SpanScope(parent) with an
// invalid `parent` starts a new root trace (never an invalid context).
// W3C Trace Context §3.2.2.4: every span has its own parent-id (span id),
// the one a downstream call sends; the trace-id is shared (§3.2.2.3).
//
// Thread safety and lifetime: same rules and checks as ContextScope.
class SpanScope {
 public:
  SpanScope() : scope_(Current().Child()) {}
  // SpanScope(parent) starts a child of `parent` instead of Current().
  explicit SpanScope(const TraceContext& parent) : scope_(parent.Child()) {}

  SpanScope(const SpanScope&) = delete;
  SpanScope& operator=(const SpanScope&) = delete;
  SpanScope(SpanScope&&) = delete;
  SpanScope& operator=(SpanScope&&) = delete;

  // context is the span's context (also Current() while no inner scope
  // is active); context().parent_span_id() is the span it started from.
  const TraceContext& context() const { return scope_.context(); }

 private:
  ContextScope scope_;
};

// BaggageScope makes Current() with changed baggage current for its
// lifetime (same trace, span and flags): one member set, or the whole
// baggage replaced. Calls made inside it send the new baggage.
//
//   traceprop::BaggageScope tenant("tenant", "acme");
//   if (!tenant.status().ok()) { /* bad key or value: nothing changed */ }
//
// Bad input: a key that is not a token, a value that is not UTF-8 or bad
// properties change nothing (Current() stays as it was) and status() says
// why. Thread safety and lifetime: same rules and checks as ContextScope.
class BaggageScope {
 public:
  BaggageScope(absl::string_view key, absl::string_view value,
               absl::string_view properties = "")
      : scope_(WithMember(key, value, properties, &status_)) {}
  explicit BaggageScope(Baggage baggage)
      : scope_(Current().WithBaggage(std::move(baggage))) {}

  BaggageScope(const BaggageScope&) = delete;
  BaggageScope& operator=(const BaggageScope&) = delete;
  BaggageScope(BaggageScope&&) = delete;
  BaggageScope& operator=(BaggageScope&&) = delete;

  // status is OK, or InvalidArgument when the member was rejected.
  const absl::Status& status() const { return status_; }
  const TraceContext& context() const { return scope_.context(); }

 private:
  static TraceContext WithMember(absl::string_view key,
                                 absl::string_view value,
                                 absl::string_view properties,
                                 absl::Status* status) {
    absl::StatusOr<Baggage> b = Current().baggage().Set(key, value, properties);
    if (!b.ok()) {
      *status = b.status();
      return Current();
    }
    return Current().WithBaggage(*std::move(b));
  }

  // Declared before scope_: WithMember fills it while scope_ is built.
  absl::Status status_;
  ContextScope scope_;
};

}  // namespace TRACEPROP_INTERNAL_SCOPE_NS
}  // namespace traceprop

#endif  // TRACEPROP_CONTEXT_CURRENT_H_
