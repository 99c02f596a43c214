#include "traceprop/context/background.h"

#include "absl/strings/str_cat.h"
#include "traceprop/context/proto_conversion.h"

namespace traceprop {
namespace {

bool IsEmpty(const v1::TraceContext& payload) {
  return payload.trace_id().empty() && payload.span_id().empty() &&
         payload.trace_flags() == 0 && payload.tracestate().empty();
}

}  // namespace

v1::TraceContext CurrentTaskPayload() { return ToProto(Current()); }

namespace internal {

TraceContext ResumeTask(const v1::TraceContext& payload, TaskTrace mode,
                        TraceContext* origin, absl::Status* status) {
  // Baggage is request data, not trace identity: it is kept for an empty
  // payload (a producer with baggage but no trace) and in both modes, and
  // dropped with everything else when the payload is rejected.
  if (IsEmpty(payload)) {
    return TraceContext::NewRoot().WithBaggage(BaggageFromProto(payload));
  }
  absl::StatusOr<TraceContext> received = FromProto(payload);
  if (!received.ok()) {
    *status = absl::InvalidArgumentError(
        absl::StrCat("task payload rejected, started a new trace: ",
                     received.status().message()));
    return TraceContext::NewRoot();
  }
  *origin = *std::move(received);
  if (mode == TaskTrace::kContinue) return origin->Child();
  return TraceContext::NewRoot(origin->sampled())
      .WithBaggage(origin->baggage());
}

}  // namespace internal
}  // namespace traceprop
