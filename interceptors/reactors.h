// traceprop/interceptors/reactors.h — callback reactors whose callbacks run
// in the right trace, with no code in them.
//
// gRPC 1.51 runs reactor callbacks (OnReadDone, OnWriteDone, OnDone,
// OnCancel, ...) later, on its own threads, where no trace is current. These
// base classes capture the trace when the reactor is constructed — the
// server span in a callback method handler, the caller's context for a
// client reactor — and make it current around each callback, which they
// forward to an `OnTraced...` method of the same shape that you override:
//
// Example (compiled in tests/snippets/callbacks.cc, "server_reactor"):
//   class Chat : public traceprop::TracedServerBidiReactor<Msg, Msg> {
//    public:
//     Chat() { StartRead(&in_); }  // constructed in the handler
//
//    private:
//     void OnTracedReadDone(bool ok) override {
//       if (!ok) return Finish(grpc::Status::OK);
//       spdlog::info("got {}", in_.text());  // logs the server span's ids
//       StartWrite(&in_);
//     }
//     void OnTracedWriteDone(bool /*ok*/) override { StartRead(&in_); }
//     void OnTracedDone() override { delete this; }
//     Msg in_;
//   };
//
// Each callback sees exactly the captured context as Current(), and the
// gRPC thread's previous context is back when it returns (even when the
// callback deletes the reactor), so nothing is left on gRPC threads.
// Overriding gRPC's own OnReadDone & co. is a compile error (they are final
// here): the `OnTraced...` names make it visible that the scope is ours.
//
// One type per gRPC reactor: TracedServerUnaryReactor,
// TracedServerReadReactor<Req> (client streaming), TracedServerWriteReactor
// <Resp> (server streaming), TracedServerBidiReactor<Req, Resp>; and
// TracedClientUnaryReactor, TracedClientReadReactor<Resp>,
// TracedClientWriteReactor<Req>, TracedClientBidiReactor<Req, Resp>.
//
// Thread safety: as the gRPC reactor each extends. trace_context() is
// immutable after construction and may be read from any callback.

#ifndef TRACEPROP_INTERCEPTORS_REACTORS_H_
#define TRACEPROP_INTERCEPTORS_REACTORS_H_

#include <grpcpp/support/client_callback.h>
#include <grpcpp/support/server_callback.h>
#include <grpcpp/support/status.h>

#include <utility>

#include "traceprop/context/current.h"
#include "traceprop/context/trace_context.h"

namespace traceprop {
namespace internal {

// The building blocks of the Traced*Reactor types below. Each callback
// opens a ContextScope over the captured context (a copy: the callback may
// delete the reactor) and calls the OnTraced... method of the same shape.

// TracedServerCallbacks<Reactor>: the captured context and the callbacks
// every gRPC server reactor has.
template <class Reactor>
class TracedServerCallbacks : public Reactor {
 public:
  explicit TracedServerCallbacks(TraceContext context = Current())
      : trace_context_(std::move(context)) {}
  // trace_context is the context each callback runs in.
  const TraceContext& trace_context() const { return trace_context_; }

  void OnSendInitialMetadataDone(bool ok) final {
    ContextScope scope(trace_context_);
    OnTracedSendInitialMetadataDone(ok);
  }
  void OnDone() final {
    ContextScope scope(trace_context_);
    OnTracedDone();
  }
  void OnCancel() final {
    ContextScope scope(trace_context_);
    OnTracedCancel();
  }

 protected:
  virtual void OnTracedSendInitialMetadataDone(bool /*ok*/) {}
  virtual void OnTracedDone() = 0;
  virtual void OnTracedCancel() {}

 private:
  const TraceContext trace_context_;
};

// TracedClientCallbacks<Reactor>: the captured context and the callbacks
// every gRPC client reactor has.
template <class Reactor>
class TracedClientCallbacks : public Reactor {
 public:
  explicit TracedClientCallbacks(TraceContext context = Current())
      : trace_context_(std::move(context)) {}
  // trace_context is the context each callback runs in.
  const TraceContext& trace_context() const { return trace_context_; }

  void OnReadInitialMetadataDone(bool ok) final {
    ContextScope scope(trace_context_);
    OnTracedReadInitialMetadataDone(ok);
  }
  void OnDone(const grpc::Status& status) final {
    ContextScope scope(trace_context_);
    OnTracedDone(status);
  }

 protected:
  virtual void OnTracedReadInitialMetadataDone(bool /*ok*/) {}
  virtual void OnTracedDone(const grpc::Status& /*status*/) {}

 private:
  const TraceContext trace_context_;
};

// TracedReads<Base> adds OnReadDone -> OnTracedReadDone.
template <class Base>
class TracedReads : public Base {
 public:
  using Base::Base;
  void OnReadDone(bool ok) final {
    ContextScope scope(this->trace_context());
    OnTracedReadDone(ok);
  }

 protected:
  virtual void OnTracedReadDone(bool /*ok*/) {}
};

// TracedWrites<Base> adds OnWriteDone -> OnTracedWriteDone.
template <class Base>
class TracedWrites : public Base {
 public:
  using Base::Base;
  void OnWriteDone(bool ok) final {
    ContextScope scope(this->trace_context());
    OnTracedWriteDone(ok);
  }

 protected:
  virtual void OnTracedWriteDone(bool /*ok*/) {}
};

// TracedWritesDone<Base> adds OnWritesDoneDone -> OnTracedWritesDoneDone.
template <class Base>
class TracedWritesDone : public Base {
 public:
  using Base::Base;
  void OnWritesDoneDone(bool ok) final {
    ContextScope scope(this->trace_context());
    OnTracedWritesDoneDone(ok);
  }

 protected:
  virtual void OnTracedWritesDoneDone(bool /*ok*/) {}
};

}  // namespace internal

// TracedServerUnaryReactor is a grpc::ServerUnaryReactor whose callbacks
// run with the context current at its construction (the server span, when
// it is constructed in the method handler; or the `context` given to its
// constructor). Override OnTracedDone (required: typically `delete this`),
// and optionally OnTracedCancel and OnTracedSendInitialMetadataDone.
// trace_context() returns the captured context.
using TracedServerUnaryReactor =
    internal::TracedServerCallbacks<grpc::ServerUnaryReactor>;

// TracedServerReadReactor<Request> is a grpc::ServerReadReactor (client
// streaming) with the callbacks of TracedServerUnaryReactor plus
// OnTracedReadDone.
template <class Request>
using TracedServerReadReactor = internal::TracedReads<
    internal::TracedServerCallbacks<grpc::ServerReadReactor<Request>>>;

// TracedServerWriteReactor<Response> is a grpc::ServerWriteReactor (server
// streaming) with the callbacks of TracedServerUnaryReactor plus
// OnTracedWriteDone.
template <class Response>
using TracedServerWriteReactor = internal::TracedWrites<
    internal::TracedServerCallbacks<grpc::ServerWriteReactor<Response>>>;

// TracedServerBidiReactor<Request, Response> is a grpc::ServerBidiReactor
// with the callbacks of TracedServerUnaryReactor plus OnTracedReadDone and
// OnTracedWriteDone.
template <class Request, class Response>
using TracedServerBidiReactor = internal::TracedWrites<
    internal::TracedReads<internal::TracedServerCallbacks<
        grpc::ServerBidiReactor<Request, Response>>>>;

// TracedClientUnaryReactor is a grpc::ClientUnaryReactor whose callbacks
// run with the context current where it was constructed (the caller's), or
// the `context` given. Override OnTracedDone and optionally
// OnTracedReadInitialMetadataDone.
using TracedClientUnaryReactor =
    internal::TracedClientCallbacks<grpc::ClientUnaryReactor>;

// TracedClientReadReactor<Response> is a grpc::ClientReadReactor (server
// streaming) with the callbacks of TracedClientUnaryReactor plus
// OnTracedReadDone.
template <class Response>
using TracedClientReadReactor = internal::TracedReads<
    internal::TracedClientCallbacks<grpc::ClientReadReactor<Response>>>;

// TracedClientWriteReactor<Request> is a grpc::ClientWriteReactor (client
// streaming) with the callbacks of TracedClientUnaryReactor plus
// OnTracedWriteDone and OnTracedWritesDoneDone.
template <class Request>
using TracedClientWriteReactor =
    internal::TracedWritesDone<internal::TracedWrites<
        internal::TracedClientCallbacks<grpc::ClientWriteReactor<Request>>>>;

// TracedClientBidiReactor<Request, Response> is a grpc::ClientBidiReactor
// with the callbacks of TracedClientUnaryReactor plus OnTracedReadDone,
// OnTracedWriteDone and OnTracedWritesDoneDone.
template <class Request, class Response>
using TracedClientBidiReactor =
    internal::TracedWritesDone<internal::TracedWrites<
        internal::TracedReads<internal::TracedClientCallbacks<
            grpc::ClientBidiReactor<Request, Response>>>>>;

}  // namespace traceprop

#endif  // TRACEPROP_INTERCEPTORS_REACTORS_H_
