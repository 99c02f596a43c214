#include "traceprop/spans/task_span.h"

#include <string>

#include "traceprop/spans/provider.h"

namespace traceprop {

RecordingSpan RecordTaskSpan(const TraceContext& context,
                             const TraceContext& origin,
                             const absl::Status& status,
                             absl::string_view name) {
  TracerProvider* provider = InstalledTracerProvider();
  if (provider == nullptr) return RecordingSpan();
  const bool continues =
      origin.IsValid() && context.trace_id() == origin.trace_id();
  RecordingSpan span =
      provider->Record(context, name, SpanKind::kConsumer, continues);
  if (!span.IsRecording()) return span;
  if (!continues) span.AddLink(origin);  // ignored when invalid
  if (!status.ok()) {
    span.AddEvent("invalid task payload",
                  {{"exception.message", std::string(status.message())}});
  }
  return span;
}

}  // namespace traceprop
