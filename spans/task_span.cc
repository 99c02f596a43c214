#include "traceprop/spans/task_span.h"

#include <string>

#include "traceprop/spans/provider.h"

namespace traceprop {

RecordingSpan RecordTaskSpan(const TaskContext& task, absl::string_view name) {
  TracerProvider* provider = InstalledTracerProvider();
  if (provider == nullptr) return RecordingSpan();
  const bool continues = task.continues_origin();
  RecordingSpan span =
      provider->Record(task.context(), name, SpanKind::kConsumer, continues);
  if (!span.IsRecording()) return span;
  if (!continues) span.AddLink(task.origin());  // ignored when invalid
  if (!task.status().ok()) {
    span.AddEvent("invalid task payload",
                  {{"exception.message", std::string(task.status().message())}});
  }
  return span;
}

}  // namespace traceprop
