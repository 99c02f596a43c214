// traceprop/context/proto_conversion.h — TraceContext <->
// traceprop.v1.TraceContext.
//
//   traceprop::v1::TraceContext msg = traceprop::ToProto(traceprop::Current());
//   job.mutable_trace()->Swap(&msg);                 // into the task payload
//   ...
//   absl::StatusOr<traceprop::TraceContext> ctx =
//       traceprop::FromProto(job.trace());           // on the worker
//   if (ctx.ok()) { traceprop::SpanScope span(*ctx); ... }
//
// The message is the explicit form of a context for payloads that cross a
// queue or storage instead of a gRPC call.

#ifndef TRACEPROP_CONTEXT_PROTO_CONVERSION_H_
#define TRACEPROP_CONTEXT_PROTO_CONVERSION_H_

#include "absl/status/statusor.h"
#include "traceprop/context/trace_context.h"
#include "traceprop/proto/trace_context.pb.h"

namespace traceprop {

// ToProto writes `context`'s trace id, span id, flags (the bits W3C version
// 00 defines) and tracestate (truncated to 512 characters as §3.3.1.5
// recommends), and baggage (W3C header, whole members up to 8192 bytes).
// An invalid context gives a message without ids, which FromProto
// rejects; its baggage, if any, is still written (TaskScope keeps it).
// Thread-safe.
v1::TraceContext ToProto(const TraceContext& context);

// FromProto validates and converts a message into a remote context (its
// span id becomes the parent of whatever the receiver starts). Returns
// InvalidArgument, saying why, when trace_id is not 16 bytes or is all zero,
// span_id is not 8 bytes or is all zero, or trace_flags is above 0xff: a
// corrupt or hostile message never yields a context. An invalid tracestate
// is dropped (empty), as for the header; invalid baggage members are
// dropped one by one (Baggage::Parse). Thread-safe.
absl::StatusOr<TraceContext> FromProto(const v1::TraceContext& message);

// BaggageFromProto parses the message's baggage field alone (empty when
// unset). Never fails; invalid members are dropped. Thread-safe.
Baggage BaggageFromProto(const v1::TraceContext& message);

}  // namespace traceprop

#endif  // TRACEPROP_CONTEXT_PROTO_CONVERSION_H_
