// traceprop/context/trace_context.h — the trace context value.
//
// `TraceContext` is what one unit of work knows about the trace it belongs
// to: trace id, its own span id, the span it was started from, flags,
// tracestate, and whether it was received from a remote peer.
//
//   // Continue an incoming trace, or start a new one (W3C §4.3).
//   absl::StatusOr<traceprop::TraceContext> incoming =
//       traceprop::TraceContext::FromHeaders(traceparent, {tracestate});
//   traceprop::TraceContext server_span =
//       incoming.ok() ? incoming->Child() : traceprop::TraceContext::NewRoot();
//   std::string header = server_span.ToTraceParent();
//
// W3C Trace Context Level 2, §3 and §4.

#ifndef TRACEPROP_CONTEXT_TRACE_CONTEXT_H_
#define TRACEPROP_CONTEXT_TRACE_CONTEXT_H_

#include <optional>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "traceprop/context/baggage.h"
#include "traceprop/context/id_generator.h"
#include "traceprop/context/ids.h"
#include "traceprop/context/tracestate.h"

namespace traceprop {

// TraceContext is immutable and cheap to copy (fixed-size ids; tracestate
// and baggage share their storage and allocate nothing when empty).
// Baggage (W3C Baggage) rides with the context: Child() keeps it, so it
// travels through ContextScope, SpanScope, Wrap, executors and the task
// payload without extra code. Contexts are
// replaced, never mutated: the With*/Child methods return new values.
// Thread-compatible; a const object may be read from any number of threads.
class TraceContext {
 public:
  // The invalid ("no trace") context: IsValid() is false.
  TraceContext() = default;

  // A context from its parts. It is valid only if both ids are valid;
  // `parent_span_id` may be invalid (unknown or root).
  TraceContext(TraceId trace_id, SpanId span_id, TraceFlags flags,
               TraceState trace_state = {}, SpanId parent_span_id = {},
               bool remote = false)
      : trace_id_(trace_id),
        span_id_(span_id),
        parent_span_id_(parent_span_id),
        flags_(flags),
        remote_(remote),
        trace_state_(std::move(trace_state)) {}

  // NewRoot starts a new trace: fresh random trace id and span id, the
  // random flag set (Level 2: the trace id's right-most 7 bytes are random)
  // and sampled as given. Thread-safe.
  static TraceContext NewRoot(bool sampled = true);

  // FromHeaders builds the remote context described by a traceparent value
  // and zero or more tracestate values (joined in order). Returns
  // InvalidArgument when traceparent is invalid (restart the trace). An
  // invalid tracestate is dropped (empty TraceState) without affecting a
  // valid traceparent (§3.3.1.1); `tracestate_status`, when given, receives
  // why it was dropped (OK otherwise). The result has is_remote() true and
  // no parent span id.
  static absl::StatusOr<TraceContext> FromHeaders(
      absl::string_view traceparent,
      absl::Span<const absl::string_view> tracestate = {},
      absl::Status* tracestate_status = nullptr);

  // Child returns a context for a new span of work under this one: same
  // trace id, flags and tracestate, a fresh span id, parent_span_id() =
  // this span id, not remote, same baggage. Called on an invalid context it
  // returns NewRoot() with this context's baggage (nothing to continue:
  // start a new trace), never an invalid context dressed as valid.
  // Thread-safe.
  TraceContext Child() const {
    if (!IsValid()) return RootWithBaggage();
    TraceContext child(trace_id_, GenerateSpanId(), flags_, trace_state_,
                       span_id_, /*remote=*/false);
    child.baggage_ = baggage_;
    return child;
  }

  bool IsValid() const { return trace_id_.IsValid() && span_id_.IsValid(); }

  const TraceId& trace_id() const { return trace_id_; }
  const SpanId& span_id() const { return span_id_; }
  // parent_span_id is the span this one was started from; invalid for a
  // root, for a remote context, and when unknown.
  const SpanId& parent_span_id() const { return parent_span_id_; }
  TraceFlags flags() const { return flags_; }
  bool sampled() const { return flags_.sampled(); }
  const TraceState& trace_state() const { return trace_state_; }
  // is_remote is true when span_id() was received from a peer.
  bool is_remote() const { return remote_; }
  // baggage is the W3C Baggage carried with this context (empty if none).
  // An invalid context may carry baggage too (baggage without a trace).
  const Baggage& baggage() const { return baggage_; }

  TraceContext WithTraceState(TraceState trace_state) const {
    TraceContext c = *this;
    c.trace_state_ = std::move(trace_state);
    return c;
  }
  TraceContext WithBaggage(Baggage baggage) const {
    TraceContext c = *this;
    c.baggage_ = std::move(baggage);
    return c;
  }
  TraceContext WithFlags(TraceFlags flags) const {
    TraceContext c = *this;
    c.flags_ = flags;
    return c;
  }

  // ToTraceParent formats the version-00 header; "" for an invalid context
  // (send nothing rather than an invalid header).
  std::string ToTraceParent() const;
  // ToTraceStateHeader formats tracestate truncated to `max_size` (§3.3.1.5);
  // "" when empty.
  std::string ToTraceStateHeader(
      size_t max_size = TraceState::kDefaultMaxHeaderSize) const {
    return trace_state_.ToHeader(max_size);
  }

  friend bool operator==(const TraceContext& a, const TraceContext& b) {
    return a.trace_id_ == b.trace_id_ && a.span_id_ == b.span_id_ &&
           a.parent_span_id_ == b.parent_span_id_ && a.flags_ == b.flags_ &&
           a.remote_ == b.remote_ && a.trace_state_ == b.trace_state_ &&
           a.baggage_ == b.baggage_;
  }
  friend bool operator!=(const TraceContext& a, const TraceContext& b) {
    return !(a == b);
  }

 private:
  TraceContext RootWithBaggage() const;  // Child() of an invalid context

  TraceId trace_id_;
  SpanId span_id_;
  SpanId parent_span_id_;
  TraceFlags flags_;
  bool remote_ = false;
  TraceState trace_state_;
  Baggage baggage_;
};

}  // namespace traceprop

#endif  // TRACEPROP_CONTEXT_TRACE_CONTEXT_H_
