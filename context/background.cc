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

TaskContext ResumeTask(const v1::TraceContext& payload, TaskTrace mode) {
  if (IsEmpty(payload)) {
    return TaskContext(TraceContext::NewRoot(), TraceContext(),
                       absl::OkStatus());
  }
  absl::StatusOr<TraceContext> origin = FromProto(payload);
  if (!origin.ok()) {
    return TaskContext(TraceContext::NewRoot(), TraceContext(),
                       absl::InvalidArgumentError(absl::StrCat(
                           "task payload rejected, started a new trace: ",
                           origin.status().message())));
  }
  TraceContext context = mode == TaskTrace::kContinue
                             ? origin->Child()
                             : TraceContext::NewRoot(origin->sampled());
  return TaskContext(std::move(context), *std::move(origin), absl::OkStatus());
}

}  // namespace traceprop
