#include "traceprop/context/trace_context.h"

#include "traceprop/context/id_generator.h"
#include "traceprop/context/traceparent.h"

namespace traceprop {

TraceContext TraceContext::NewRoot(bool sampled) {
  TraceFlags flags = TraceFlags().WithRandom(true).WithSampled(sampled);
  return TraceContext(GenerateTraceId(), GenerateSpanId(), flags);
}

absl::StatusOr<TraceContext> TraceContext::FromHeaders(
    absl::string_view traceparent,
    absl::Span<const absl::string_view> tracestate,
    absl::Status* tracestate_status) {
  absl::StatusOr<TraceParent> tp = ParseTraceParent(traceparent);
  if (!tp.ok()) return tp.status();
  TraceState state;
  absl::Status state_status;
  if (!tracestate.empty()) {
    absl::StatusOr<TraceState> parsed = TraceState::Parse(tracestate);
    if (parsed.ok()) {
      state = *std::move(parsed);
    } else {
      state_status = parsed.status();
    }
  }
  if (tracestate_status != nullptr) *tracestate_status = state_status;
  return TraceContext(tp->trace_id, tp->parent_id, tp->flags, std::move(state),
                      SpanId(), /*remote=*/true);
}

TraceContext TraceContext::RootWithBaggage() const {
  return NewRoot().WithBaggage(baggage_);
}

std::string TraceContext::ToTraceParent() const {
  if (!IsValid()) return std::string();
  return FormatTraceParent(trace_id_, span_id_, flags_);
}

}  // namespace traceprop
