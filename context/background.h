// traceprop/context/background.h — trace context for background tasks.
//
// Work that crosses a queue, a database row or another process cannot carry
// the thread-local context: it carries a `traceprop.v1.TraceContext`
// message in its payload instead. The producer puts its current context in
// the payload; the worker resumes it either as a child span of the same
// trace (the task is part of the request) or, by choice, as a NEW trace
// that records where it came from (the task outlives the request, e.g. a
// nightly batch or a retry hours later). From examples/thread_pool/main.cc:
//
//   // Producer (HandleRequest), inside the request's span:
//   Job job{"reindex", mode, ""};   // mode: TaskTrace::kContinue/kNewTrace
//   traceprop::CurrentTaskPayload().SerializeToString(&job.trace);
//   queue.Push(std::move(job));
//
//   // Worker (RunJob), on another thread, maybe much later:
//   traceprop::v1::TraceContext trace;
//   if (!trace.ParseFromString(job.trace)) trace.Clear();
//   traceprop::TaskScope task(trace, job.mode);
//   if (!task.status().ok()) {
//     std::printf("bad payload: %s\n",
//                 std::string(task.status().message()).c_str());
//   }
//   Log(label, traceprop::Current(), task.origin());  // origin: the link
//
// Bad payloads never become a current context: a payload that fails
// validation gives a new root trace, an invalid origin() and status() saying
// why. The message format is described in proto/trace_context.proto; the
// conversions are in proto_conversion.h.

#ifndef TRACEPROP_CONTEXT_BACKGROUND_H_
#define TRACEPROP_CONTEXT_BACKGROUND_H_

#include <utility>

#include "absl/status/status.h"
#include "traceprop/context/current.h"
#include "traceprop/context/trace_context.h"
#include "traceprop/proto/trace_context.pb.h"

namespace traceprop {

// CurrentTaskPayload returns Current() as a message for a task payload
// (ToProto(Current())). With no current context it returns the empty
// message, which TaskScope treats as "no origin" (not an error).
// Thread-safe.
v1::TraceContext CurrentTaskPayload();

// TaskTrace is the worker's choice of how a task relates to its origin.
enum class TaskTrace {
  // kContinue: the task is a child span in the producer's trace (same
  // trace id and tracestate, parent span id = the producer's span id).
  kContinue,
  // kNewTrace: the task starts a new trace (fresh trace id, no tracestate,
  // sampled flag copied from the origin) and keeps the producer's context
  // as origin(), a link to where it came from (log origin().trace_id()).
  kNewTrace,
};

namespace internal {
// ResumeTask computes a TaskScope's three values (see TaskScope); defined
// in background.cc.
TraceContext ResumeTask(const v1::TraceContext& payload, TaskTrace mode,
                        TraceContext* origin, absl::Status* status);
}  // namespace internal

inline namespace TRACEPROP_INTERNAL_SCOPE_NS {

// TaskScope resumes a task from its payload and makes context() current
// for the scope's lifetime, then restores exactly what it replaced:
//  - valid message, kContinue: context() = origin().Child();
//  - valid message, kNewTrace: context() = a new root trace, sampled as the
//    origin was, without tracestate; origin() is kept as the link;
//  - empty message (no ids, flags or tracestate: the producer had no
//    context): a new root trace, invalid origin(), OK status();
//  - baggage in the message is kept in every case above (also kNewTrace
//    and an empty message with only baggage), and dropped for a rejected
//    message below;
//  - invalid message (wrong id length, all-zero id, flags above 0xff; see
//    FromProto): a new root trace, invalid origin(), and status() the
//    InvalidArgument saying why. A rejected payload is never continued.
// An invalid tracestate alone is dropped without rejecting the message
// (W3C §3.3.1.1). Thread-hostile; neither copyable nor movable; same
// lifetime rules and debug checks as ContextScope.
class TaskScope {
 public:
  explicit TaskScope(const v1::TraceContext& payload,
                     TaskTrace mode = TaskTrace::kContinue)
      : context_(internal::ResumeTask(payload, mode, &origin_, &status_)),
        scope_(context_) {}

  TaskScope(const TaskScope&) = delete;
  TaskScope& operator=(const TaskScope&) = delete;
  TaskScope(TaskScope&&) = delete;
  TaskScope& operator=(TaskScope&&) = delete;

  // context is the context the task runs under; always valid.
  const TraceContext& context() const { return context_; }
  // origin is the producer's context as received (is_remote() true), or an
  // invalid context when the payload was empty or rejected.
  const TraceContext& origin() const { return origin_; }
  // status is OK for a valid or empty payload, and InvalidArgument saying
  // why for a rejected one (context() is then a new root trace).
  const absl::Status& status() const { return status_; }
  // continues_origin is true when context() is in origin()'s trace.
  bool continues_origin() const {
    return origin_.IsValid() && context_.trace_id() == origin_.trace_id();
  }

 private:
  // Declared before context_: ResumeTask fills them while context_ is built.
  TraceContext origin_;
  absl::Status status_;
  const TraceContext context_;
  ContextScope scope_;
};

}  // namespace TRACEPROP_INTERNAL_SCOPE_NS
}  // namespace traceprop

#endif  // TRACEPROP_CONTEXT_BACKGROUND_H_
