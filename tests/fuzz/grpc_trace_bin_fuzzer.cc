// Fuzzes ParseGrpcTraceBin. Properties checked on every input:
//  - whatever parses has valid ids and formats to 29 bytes that parse back
//    to the same ids and sampled flag.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "traceprop/propagation/grpc_trace_bin.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view input(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<traceprop::TraceContext> ctx = traceprop::ParseGrpcTraceBin(input);
  if (!ctx.ok()) return 0;
  if (!ctx->IsValid()) std::abort();
  const std::string out = traceprop::FormatGrpcTraceBin(*ctx);
  if (out.size() != traceprop::kGrpcTraceBinSize) std::abort();
  absl::StatusOr<traceprop::TraceContext> again = traceprop::ParseGrpcTraceBin(out);
  if (!again.ok() || again->trace_id() != ctx->trace_id() ||
      again->span_id() != ctx->span_id() || again->sampled() != ctx->sampled()) {
    std::abort();
  }
  return 0;
}
