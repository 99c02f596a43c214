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
// One class per gRPC reactor: TracedServerUnaryReactor,
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

// TracedServerUnaryReactor is a grpc::ServerUnaryReactor whose callbacks
// run with the context current at its construction (the server span, when
// it is constructed in the method handler; or the `context` given).
// Override OnTracedDone (required: typically `delete this`), and optionally
// OnTracedCancel and OnTracedSendInitialMetadataDone.
class TracedServerUnaryReactor : public grpc::ServerUnaryReactor {
 public:
  explicit TracedServerUnaryReactor(TraceContext context = Current())
      : trace_context_(std::move(context)) {}
  // trace_context is the context each callback runs in.
  const TraceContext& trace_context() const { return trace_context_; }

  void OnSendInitialMetadataDone(bool ok) final {
    ContextScope scope(trace_context_);
    OnTracedSendInitialMetadataDone(ok);
  }
  void OnDone() final {
    ContextScope scope(trace_context_);  // holds a copy: `this` may go
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

// TracedServerReadReactor<Request> is a grpc::ServerReadReactor (client
// streaming) with the callbacks of TracedServerUnaryReactor plus
// OnTracedReadDone.
template <class Request>
class TracedServerReadReactor : public grpc::ServerReadReactor<Request> {
 public:
  explicit TracedServerReadReactor(TraceContext context = Current())
      : trace_context_(std::move(context)) {}
  const TraceContext& trace_context() const { return trace_context_; }

  void OnSendInitialMetadataDone(bool ok) final {
    ContextScope scope(trace_context_);
    OnTracedSendInitialMetadataDone(ok);
  }
  void OnReadDone(bool ok) final {
    ContextScope scope(trace_context_);
    OnTracedReadDone(ok);
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
  virtual void OnTracedReadDone(bool /*ok*/) {}
  virtual void OnTracedDone() = 0;
  virtual void OnTracedCancel() {}

 private:
  const TraceContext trace_context_;
};

// TracedServerWriteReactor<Response> is a grpc::ServerWriteReactor (server
// streaming) with the callbacks of TracedServerUnaryReactor plus
// OnTracedWriteDone.
template <class Response>
class TracedServerWriteReactor : public grpc::ServerWriteReactor<Response> {
 public:
  explicit TracedServerWriteReactor(TraceContext context = Current())
      : trace_context_(std::move(context)) {}
  const TraceContext& trace_context() const { return trace_context_; }

  void OnSendInitialMetadataDone(bool ok) final {
    ContextScope scope(trace_context_);
    OnTracedSendInitialMetadataDone(ok);
  }
  void OnWriteDone(bool ok) final {
    ContextScope scope(trace_context_);
    OnTracedWriteDone(ok);
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
  virtual void OnTracedWriteDone(bool /*ok*/) {}
  virtual void OnTracedDone() = 0;
  virtual void OnTracedCancel() {}

 private:
  const TraceContext trace_context_;
};

// TracedServerBidiReactor<Request, Response> is a grpc::ServerBidiReactor
// with the callbacks of TracedServerUnaryReactor plus OnTracedReadDone and
// OnTracedWriteDone.
template <class Request, class Response>
class TracedServerBidiReactor
    : public grpc::ServerBidiReactor<Request, Response> {
 public:
  explicit TracedServerBidiReactor(TraceContext context = Current())
      : trace_context_(std::move(context)) {}
  const TraceContext& trace_context() const { return trace_context_; }

  void OnSendInitialMetadataDone(bool ok) final {
    ContextScope scope(trace_context_);
    OnTracedSendInitialMetadataDone(ok);
  }
  void OnReadDone(bool ok) final {
    ContextScope scope(trace_context_);
    OnTracedReadDone(ok);
  }
  void OnWriteDone(bool ok) final {
    ContextScope scope(trace_context_);
    OnTracedWriteDone(ok);
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
  virtual void OnTracedReadDone(bool /*ok*/) {}
  virtual void OnTracedWriteDone(bool /*ok*/) {}
  virtual void OnTracedDone() = 0;
  virtual void OnTracedCancel() {}

 private:
  const TraceContext trace_context_;
};

// TracedClientUnaryReactor is a grpc::ClientUnaryReactor whose callbacks
// run with the context current where it was constructed (the caller's), or
// the `context` given. Override OnTracedDone and optionally
// OnTracedReadInitialMetadataDone.
class TracedClientUnaryReactor : public grpc::ClientUnaryReactor {
 public:
  explicit TracedClientUnaryReactor(TraceContext context = Current())
      : trace_context_(std::move(context)) {}
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

// TracedClientReadReactor<Response> is a grpc::ClientReadReactor (server
// streaming) with the callbacks of TracedClientUnaryReactor plus
// OnTracedReadDone.
template <class Response>
class TracedClientReadReactor : public grpc::ClientReadReactor<Response> {
 public:
  explicit TracedClientReadReactor(TraceContext context = Current())
      : trace_context_(std::move(context)) {}
  const TraceContext& trace_context() const { return trace_context_; }

  void OnReadInitialMetadataDone(bool ok) final {
    ContextScope scope(trace_context_);
    OnTracedReadInitialMetadataDone(ok);
  }
  void OnReadDone(bool ok) final {
    ContextScope scope(trace_context_);
    OnTracedReadDone(ok);
  }
  void OnDone(const grpc::Status& status) final {
    ContextScope scope(trace_context_);
    OnTracedDone(status);
  }

 protected:
  virtual void OnTracedReadInitialMetadataDone(bool /*ok*/) {}
  virtual void OnTracedReadDone(bool /*ok*/) {}
  virtual void OnTracedDone(const grpc::Status& /*status*/) {}

 private:
  const TraceContext trace_context_;
};

// TracedClientWriteReactor<Request> is a grpc::ClientWriteReactor (client
// streaming) with the callbacks of TracedClientUnaryReactor plus
// OnTracedWriteDone and OnTracedWritesDoneDone.
template <class Request>
class TracedClientWriteReactor : public grpc::ClientWriteReactor<Request> {
 public:
  explicit TracedClientWriteReactor(TraceContext context = Current())
      : trace_context_(std::move(context)) {}
  const TraceContext& trace_context() const { return trace_context_; }

  void OnReadInitialMetadataDone(bool ok) final {
    ContextScope scope(trace_context_);
    OnTracedReadInitialMetadataDone(ok);
  }
  void OnWriteDone(bool ok) final {
    ContextScope scope(trace_context_);
    OnTracedWriteDone(ok);
  }
  void OnWritesDoneDone(bool ok) final {
    ContextScope scope(trace_context_);
    OnTracedWritesDoneDone(ok);
  }
  void OnDone(const grpc::Status& status) final {
    ContextScope scope(trace_context_);
    OnTracedDone(status);
  }

 protected:
  virtual void OnTracedReadInitialMetadataDone(bool /*ok*/) {}
  virtual void OnTracedWriteDone(bool /*ok*/) {}
  virtual void OnTracedWritesDoneDone(bool /*ok*/) {}
  virtual void OnTracedDone(const grpc::Status& /*status*/) {}

 private:
  const TraceContext trace_context_;
};

// TracedClientBidiReactor<Request, Response> is a grpc::ClientBidiReactor
// with the callbacks of TracedClientUnaryReactor plus OnTracedReadDone,
// OnTracedWriteDone and OnTracedWritesDoneDone.
template <class Request, class Response>
class TracedClientBidiReactor
    : public grpc::ClientBidiReactor<Request, Response> {
 public:
  explicit TracedClientBidiReactor(TraceContext context = Current())
      : trace_context_(std::move(context)) {}
  const TraceContext& trace_context() const { return trace_context_; }

  void OnReadInitialMetadataDone(bool ok) final {
    ContextScope scope(trace_context_);
    OnTracedReadInitialMetadataDone(ok);
  }
  void OnReadDone(bool ok) final {
    ContextScope scope(trace_context_);
    OnTracedReadDone(ok);
  }
  void OnWriteDone(bool ok) final {
    ContextScope scope(trace_context_);
    OnTracedWriteDone(ok);
  }
  void OnWritesDoneDone(bool ok) final {
    ContextScope scope(trace_context_);
    OnTracedWritesDoneDone(ok);
  }
  void OnDone(const grpc::Status& status) final {
    ContextScope scope(trace_context_);
    OnTracedDone(status);
  }

 protected:
  virtual void OnTracedReadInitialMetadataDone(bool /*ok*/) {}
  virtual void OnTracedReadDone(bool /*ok*/) {}
  virtual void OnTracedWriteDone(bool /*ok*/) {}
  virtual void OnTracedWritesDoneDone(bool /*ok*/) {}
  virtual void OnTracedDone(const grpc::Status& /*status*/) {}

 private:
  const TraceContext trace_context_;
};

}  // namespace traceprop

#endif  // TRACEPROP_INTERCEPTORS_REACTORS_H_
