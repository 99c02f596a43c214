#include "traceprop/propagation/grpc_trace_bin.h"

#include <cstdint>
#include <cstring>

namespace traceprop {

absl::StatusOr<TraceContext> ParseGrpcTraceBin(absl::string_view bytes) {
  const auto* b = reinterpret_cast<const uint8_t*>(bytes.data());
  if (bytes.empty() || b[0] != 0) {
    return absl::InvalidArgumentError("grpc-trace-bin: version must be 0");
  }
  if (bytes.size() < 27 || b[1] != 0 || b[18] != 1) {
    return absl::InvalidArgumentError(
        "grpc-trace-bin: needs field 0 (trace id) then field 1 (span id)");
  }
  absl::StatusOr<TraceId> trace_id = TraceId::FromBytes(b + 2, TraceId::kSize);
  absl::StatusOr<SpanId> span_id = SpanId::FromBytes(b + 19, SpanId::kSize);
  if (!trace_id->IsValid() || !span_id->IsValid()) {
    return absl::InvalidArgumentError("grpc-trace-bin: an id is all zeros");
  }
  uint8_t options = 0;
  // Decoding stops at the first unknown field id (a later version's).
  if (bytes.size() > 27 && b[27] == 2) {
    if (bytes.size() < kGrpcTraceBinSize) {
      return absl::InvalidArgumentError("grpc-trace-bin: options cut short");
    }
    options = b[28];
  }
  return TraceContext(*trace_id, *span_id,
                      TraceFlags().WithSampled((options & 1) != 0), TraceState(),
                      SpanId(), /*remote=*/true);
}

std::string FormatGrpcTraceBin(const TraceContext& ctx) {
  if (!ctx.IsValid()) return "";
  std::string out(kGrpcTraceBinSize, '\0');
  out[18] = 1;
  out[27] = 2;
  out[28] = ctx.sampled() ? 1 : 0;
  std::memcpy(&out[2], ctx.trace_id().bytes().data(), TraceId::kSize);
  std::memcpy(&out[19], ctx.span_id().bytes().data(), SpanId::kSize);
  return out;
}

}  // namespace traceprop
