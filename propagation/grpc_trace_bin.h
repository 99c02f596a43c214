// traceprop/propagation/grpc_trace_bin.h — the OpenCensus binary trace context
// carried in gRPC's `grpc-trace-bin` metadata.
//
// OpenCensus-instrumented services and gRPC's OpenTelemetry plugin (in its
// grpc-trace-bin mode) send this instead of traceparent. The value is 29
// bytes (binary metadata: gRPC base64-encodes it on the wire):
//
//   00 | 00 <16 bytes trace-id> | 01 <8 bytes span-id> | 02 <1 byte options>
//   version  field 0               field 1               field 2 (bit 0: sampled)
//
//   absl::StatusOr<traceprop::TraceContext> in =
//       traceprop::ParseGrpcTraceBin(value);  // value: the raw bytes
//   std::string out = traceprop::FormatGrpcTraceBin(traceprop::Current());
//
// Specification: OpenCensus "BinaryEncoding" (opencensus-specs,
// encodings/BinaryEncoding.md), version 0.

#ifndef TRACEPROP_PROPAGATION_GRPC_TRACE_BIN_H_
#define TRACEPROP_PROPAGATION_GRPC_TRACE_BIN_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "traceprop/context/trace_context.h"

namespace traceprop {

// kGrpcTraceBinSize is the size of a version-0 value with all three fields.
inline constexpr size_t kGrpcTraceBinSize = 29;

// ParseGrpcTraceBin decodes the raw (already base64-decoded) bytes. The
// options field may be absent (not sampled); decoding stops at the first
// field id it does not know, so a later version's extra fields are
// ignored, as the encoding's deserialization rules say. Returns
// InvalidArgument, saying why, for a version other than 0, a missing or
// cut trace id or span id field, cut options, or an all-zero id. The result is remote, sampled per options bit 0, without
// the W3C random flag (nothing promises random ids). Thread-safe.
absl::StatusOr<TraceContext> ParseGrpcTraceBin(absl::string_view bytes);

// FormatGrpcTraceBin returns the 29 bytes for `ctx` (options: sampled bit
// only); "" for an invalid context.
std::string FormatGrpcTraceBin(const TraceContext& ctx);

}  // namespace traceprop

#endif  // TRACEPROP_PROPAGATION_GRPC_TRACE_BIN_H_
