// traceprop/interceptors/cq_tag.h — completion-queue tags that carry a trace.
//
// Completion-queue code runs wherever the queue is drained: the thread that
// calls cq->Next() has no idea which call a tag belongs to. A CqTag is a tag
// that knows its context and makes it current while its step runs, then
// restores the draining thread's previous context.
//
//   // Server state machine: each step sees the call's server span.
//   struct CallData {
//     grpc::ServerContext ctx;
//     traceprop::CqTag step{&ctx, [this](bool ok) { Proceed(ok); }};
//   };
//   service.RequestSayHello(&d->ctx, &d->req, &d->responder, cq, cq,
//                           d->step.tag());
//
//   // Client: the completion runs under the caller's context.
//   auto* done = new traceprop::CqTag(traceprop::Current(), [=](bool ok) {
//     LOG(INFO) << "reply";  // Current() is the caller's context here
//   }, /*delete_after_run=*/true);
//   rpc->Finish(&reply, &status, done->tag());
//
//   // The drain loop, on any thread:
//   void* tag; bool ok;
//   while (cq->Next(&tag, &ok)) traceprop::CqTag::Run(tag, ok);

#ifndef TRACEPROP_INTERCEPTORS_CQ_TAG_H_
#define TRACEPROP_INTERCEPTORS_CQ_TAG_H_

#include <grpcpp/server_context.h>

#include <utility>

#include "absl/functional/any_invocable.h"
#include "traceprop/context/current.h"
#include "traceprop/context/trace_context.h"
#include "traceprop/interceptors/tracing.h"

namespace traceprop {

// CqTag is a completion-queue tag holding a step function and where its
// context comes from: a fixed context, or the server span of a call
// (ServerSpan(ctx), read each time the tag runs, so the tag can be created
// before the call arrives — as the first tag of a server state machine is).
// Run(ok) makes that context current, calls the function, and restores the
// thread's previous context, on whichever thread drains the queue. A tag
// may be reused for any number of steps (one operation in flight at a time,
// as gRPC requires per tag). Thread-compatible: gRPC hands each completion
// to one thread. An invalid context, or a server span that is not known
// (filtered call, server without tracing), runs the step with no current
// context rather than an unrelated one.
class CqTag {
 public:
  using Step = absl::AnyInvocable<void(bool ok)>;

  // CqTag(context, step) runs `step` under `context`. With
  // `delete_after_run` the tag deletes itself after its step (one-shot tags
  // allocated with new).
  CqTag(TraceContext context, Step step, bool delete_after_run = false)
      : context_(std::move(context)),
        step_(std::move(step)),
        delete_after_run_(delete_after_run) {}
  // CqTag(server_ctx, step) runs `step` under ServerSpan(*server_ctx).
  // `server_ctx` must outlive every run of the tag.
  CqTag(const grpc::ServerContextBase* server_ctx, Step step,
        bool delete_after_run = false)
      : server_ctx_(server_ctx),
        step_(std::move(step)),
        delete_after_run_(delete_after_run) {}

  CqTag(const CqTag&) = delete;
  CqTag& operator=(const CqTag&) = delete;

  // tag returns the value to pass to gRPC as the operation's tag. (Under
  // ThreadSanitizer it also marks the hand-off to gRPC, which Run picks up:
  // the uninstrumented system gRPC's own synchronisation is invisible.)
  void* tag();

  // Run executes the step under the tag's context (see the class comment).
  // The step may destroy the object that owns this tag (the last step of a
  // state machine): nothing of the tag is touched after it returns, unless
  // the tag deletes itself.
  void Run(bool ok);
  // Run(tag, ok) is the drain loop's call for a tag obtained from tag().
  // Every tag on that queue must be a CqTag.
  static void Run(void* tag, bool ok) { static_cast<CqTag*>(tag)->Run(ok); }

 private:
  const TraceContext context_;
  const grpc::ServerContextBase* const server_ctx_ = nullptr;
  Step step_;
  const bool delete_after_run_;
};

}  // namespace traceprop

#endif  // TRACEPROP_INTERCEPTORS_CQ_TAG_H_
