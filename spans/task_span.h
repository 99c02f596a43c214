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
// context ResumeTask chose (recording when it is sampled and a provider is
// installed): parent = the producer's span (remote) when the task continues
// its origin, else a root with a link to the origin. A rejected payload
// (task.status() not OK) is recorded as an "invalid task payload" event on
// the new root. Not made current (TaskSpan does that). Thread-safe.
RecordingSpan RecordTaskSpan(const TaskContext& task, absl::string_view name);

inline namespace TRACEPROP_INTERNAL_SCOPE_NS {

// TaskSpan resumes a task from its payload (ResumeTask), makes its context
// current and records its CONSUMER span until the scope ends. Bad payloads
// as ResumeTask (a new root; status() says why). A scope guard: neither
// copyable nor movable, destroyed on its own thread, innermost first.
class TaskSpan {
 public:
  TaskSpan(const v1::TraceContext& payload, absl::string_view name,
           TaskTrace mode = TaskTrace::kContinue)
      : task_(ResumeTask(payload, mode)),
        span_(RecordTaskSpan(task_, name)),
        scope_(task_.context()) {}

  TaskSpan(const TaskSpan&) = delete;
  TaskSpan& operator=(const TaskSpan&) = delete;

  const TraceContext& context() const { return task_.context(); }
  const TraceContext& origin() const { return task_.origin(); }
  const absl::Status& status() const { return task_.status(); }
  bool IsRecording() const { return span_.IsRecording(); }
  // span-> reaches the setters (SetAttribute, RecordError, ...).
  RecordingSpan* operator->() { return &span_; }

 private:
  const TaskContext task_;
  RecordingSpan span_;  // ends after the scope has restored the context
  ContextScope scope_;
};

}  // namespace TRACEPROP_INTERNAL_SCOPE_NS
}  // namespace traceprop

#endif  // TRACEPROP_SPANS_TASK_SPAN_H_
