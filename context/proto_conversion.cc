#include "traceprop/context/proto_conversion.h"

#include "absl/strings/str_cat.h"

namespace traceprop {

Baggage BaggageFromProto(const v1::TraceContext& message) {
  if (message.baggage().empty()) return Baggage();
  absl::string_view header = message.baggage();
  return Baggage::Parse({&header, 1});
}

v1::TraceContext ToProto(const TraceContext& context) {
  v1::TraceContext message;
  if (!context.baggage().empty()) {
    message.set_baggage(context.baggage().ToHeader());
  }
  if (!context.IsValid()) return message;
  const auto& trace = context.trace_id().bytes();
  const auto& span = context.span_id().bytes();
  message.set_trace_id(reinterpret_cast<const char*>(trace.data()),
                       trace.size());
  message.set_span_id(reinterpret_cast<const char*>(span.data()), span.size());
  message.set_trace_flags(context.flags().WireValue());
  message.set_tracestate(context.ToTraceStateHeader());
  return message;
}

absl::StatusOr<TraceContext> FromProto(const v1::TraceContext& message) {
  absl::StatusOr<TraceId> trace_id =
      TraceId::FromBytes(message.trace_id().data(), message.trace_id().size());
  if (!trace_id.ok()) return trace_id.status();
  if (!trace_id->IsValid()) {
    return absl::InvalidArgumentError("trace-id is all zeros");
  }
  absl::StatusOr<SpanId> span_id =
      SpanId::FromBytes(message.span_id().data(), message.span_id().size());
  if (!span_id.ok()) return span_id.status();
  if (!span_id->IsValid()) {
    return absl::InvalidArgumentError("span-id is all zeros");
  }
  if (message.trace_flags() > 0xff) {
    return absl::InvalidArgumentError(absl::StrCat(
        "trace_flags must fit in one byte, got ", message.trace_flags()));
  }
  TraceState state;
  if (!message.tracestate().empty()) {
    absl::StatusOr<TraceState> parsed = TraceState::Parse(message.tracestate());
    if (parsed.ok()) state = *std::move(parsed);
  }
  TraceContext context(*trace_id, *span_id,
                       TraceFlags(static_cast<uint8_t>(message.trace_flags())),
                       std::move(state), SpanId(), /*remote=*/true);
  if (!message.baggage().empty()) {
    context = context.WithBaggage(BaggageFromProto(message));
  }
  return context;
}

}  // namespace traceprop
