// Private: SpanData -> the OTLP protobuf wire format, shared by the
// OTLP/gRPC exporter, the OTLP/JSON exporter (UTF-8 and flags) and tests.

#ifndef TRACEPROP_EXPORTERS_INTERNAL_OTLP_PROTO_H_
#define TRACEPROP_EXPORTERS_INTERNAL_OTLP_PROTO_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "traceprop/spans/span_data.h"

namespace traceprop {
namespace internal {

// The instrumentation scope every traceprop span is reported under.
inline constexpr char kScopeName[] = "traceprop";

// Utf8Length returns the length of the well-formed UTF-8 sequence that
// starts at s[i] (Unicode Table 3-7: no overlong forms, no surrogates,
// nothing above U+10FFFF), or 0 when there is none.
size_t Utf8Length(absl::string_view s, size_t i);

// ValidUtf8 returns `s` with every byte that does not belong to a
// well-formed UTF-8 sequence replaced by U+FFFD. OTLP's string fields must
// be UTF-8: a receiver that checks (protobuf's parsers do) rejects the whole
// request otherwise, so one bad byte would lose a batch.
std::string ValidUtf8(absl::string_view s);

// EncodedRequest is an encoded message: `size` bytes at `data`.
struct EncodedRequest {
  std::unique_ptr<char[]> data;
  size_t size = 0;
  absl::string_view view() const { return {data.get(), size}; }
};

// EncodeRequest returns the serialized
// opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest of
// `spans`: one ResourceSpans (the resource attributes, one ScopeSpans
// "traceprop" holding `spans` in order). Every string goes through
// ValidUtf8. The bytes are those protobuf's own serializer writes for that
// message (fields in number order, proto3 defaults left out, shortest
// varints), so any OTLP implementation parses them.
EncodedRequest EncodeRequest(
    const std::vector<std::unique_ptr<SpanData>>& spans,
    const std::vector<Attribute>& resource);

// OtlpSpanFlags returns Span.flags: the W3C flags in the low byte plus the
// has-is-remote and is-remote bits for the parent.
uint32_t OtlpSpanFlags(const SpanData& span);

// OtlpLinkFlags returns Span.Link.flags: the linked context's W3C flags in
// the low byte plus the has-is-remote and is-remote bits for that context.
uint32_t OtlpLinkFlags(const TraceContext& linked);

}  // namespace internal
}  // namespace traceprop

#endif  // TRACEPROP_EXPORTERS_INTERNAL_OTLP_PROTO_H_
