// Fuzzes FromProto on arbitrary bytes parsed as traceprop.v1.TraceContext.
// Properties: a message either converts to a VALID context or is rejected;
// a converted context survives ToProto/FromProto unchanged.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "traceprop/context/proto_conversion.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  traceprop::v1::TraceContext message;
  if (!message.ParseFromArray(data, static_cast<int>(size))) return 0;
  absl::StatusOr<traceprop::TraceContext> ctx = traceprop::FromProto(message);
  if (!ctx.ok()) return 0;
  if (!ctx->IsValid()) std::abort();
  absl::StatusOr<traceprop::TraceContext> again =
      traceprop::FromProto(traceprop::ToProto(*ctx));
  if (!again.ok()) std::abort();
  if (again->trace_id() != ctx->trace_id() ||
      again->span_id() != ctx->span_id() ||
      again->flags().value() != ctx->flags().WireValue()) {
    std::abort();
  }
  return 0;
}
