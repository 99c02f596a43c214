// Private: SpanData -> OTLP protobuf messages, shared by the OTLP/gRPC
// exporter and the tests.

#ifndef TRACEPROP_EXPORTERS_INTERNAL_OTLP_PROTO_H_
#define TRACEPROP_EXPORTERS_INTERNAL_OTLP_PROTO_H_

#include <memory>
#include <vector>

#include "traceprop/exporters/proto/trace_service.pb.h"
#include "traceprop/spans/span_data.h"

namespace traceprop {
namespace internal {

// The instrumentation scope every traceprop span is reported under.
inline constexpr char kScopeName[] = "traceprop";

// FillAnyValue sets `out` from `value`.
void FillAnyValue(const AttributeValue& value,
                  opentelemetry::proto::common::v1::AnyValue* out);

// SpansToRequest fills `out` with one ResourceSpans (the resource
// attributes, one ScopeSpans "traceprop" holding `spans` in order).
void SpansToRequest(
    const std::vector<std::unique_ptr<SpanData>>& spans,
    const std::vector<Attribute>& resource,
    opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest*
        out);

// OtlpSpanFlags returns Span.flags: the W3C flags in the low byte plus the
// has-is-remote and is-remote bits for the parent.
uint32_t OtlpSpanFlags(const SpanData& span);

}  // namespace internal
}  // namespace traceprop

#endif  // TRACEPROP_EXPORTERS_INTERNAL_OTLP_PROTO_H_
