// traceprop/spans/task_span.h — spans for background tasks.
//
// A task that crosses a queue is recorded as two spans: a PRODUCER span
// where it is enqueued (an ordinary Span with SpanKind::kProducer, inside
// which CurrentTaskPayload() is taken, so the task's parent is that span)
// and a CONSUMER span where it runs: TaskSpan, the recording counterpart of
// TaskScope (context/background.h). With TaskTrace::kContinue the consumer
// span is a child of the producer span in the same trace; with kNewTrace it
// starts a new trace and links the producer span (its origin).
//
//   // Producer:
//   {
//     traceprop::Span enqueue("reindex enqueue", {traceprop::SpanKind::kProducer});
//     traceprop::CurrentTaskPayload().SerializeToString(&job.trace);
//     queue.Push(std::move(job));
//   }
//   // Worker:
//   traceprop::v1::TraceContext trace;
//   if (!trace.ParseFromString(job.trace)) trace.Clear();
//   traceprop::TaskSpan task(trace, "reindex", job.mode);  // current, recording
//   if (!task.status().ok()) ...;                          // bad payload

#ifndef TRACEPROP_SPANS_TASK_SPAN_H_
#define TRACEPROP_SPANS_TASK_SPAN_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "traceprop/context/background.h"
#include "traceprop/context/current.h"
#include "traceprop/spans/span.h"

namespace traceprop {

// RecordTaskSpan starts the CONSUMER span of a resumed task, with the
// context a TaskScope chose (`context`, `origin`, `status` as TaskScope
// reports them; recording when sampled and a provider is installed):
// parent = the producer's span (remote) when the task continues its origin,
// else a root with a link to the origin. A rejected payload (status not
// OK) is recorded as an "invalid task payload" event on the new root. Not
// made current (TaskSpan does that). Thread-safe.
RecordingSpan RecordTaskSpan(const TraceContext& context,
                             const TraceContext& origin,
                             const absl::Status& status,
                             absl::string_view name);

inline namespace TRACEPROP_INTERNAL_SCOPE_NS {

// TaskSpan resumes a task from its payload (as TaskScope does), makes its
// context current and records its CONSUMER span until the scope ends. Bad
// payloads as TaskScope (a new root; status() says why). A scope guard: neither
// copyable nor movable, destroyed on its own thread, innermost first.
class TaskSpan {
 public:
  TaskSpan(const v1::TraceContext& payload, absl::string_view name,
           TaskTrace mode = TaskTrace::kContinue)
      : context_(internal::ResumeTask(payload, mode, &origin_, &status_)),
        span_(RecordTaskSpan(context_, origin_, status_, name)),
        scope_(context_) {}

  TaskSpan(const TaskSpan&) = delete;
  TaskSpan& operator=(const TaskSpan&) = delete;

  const TraceContext& context() const { return context_; }
  const TraceContext& origin() const { return origin_; }
  const absl::Status& status() const { return status_; }
  bool IsRecording() const { return span_.IsRecording(); }
  // span-> reaches the setters (SetAttribute, RecordError, ...).
  RecordingSpan* operator->() { return &span_; }

 private:
  // Declared before context_: ResumeTask fills them while context_ is built.
  TraceContext origin_;
  absl::Status status_;
  const TraceContext context_;
  RecordingSpan span_;  // ends after the scope has restored the context
  ContextScope scope_;
};

}  // namespace TRACEPROP_INTERNAL_SCOPE_NS
}  // namespace traceprop

#endif  // TRACEPROP_SPANS_TASK_SPAN_H_
