// The Traced* reactor bases (reactors.h): every callback of every server
// and client reactor shape runs with the right context — the call's server
// span on the server, the caller's context on the client — and gRPC's
// threads carry no context afterwards.
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "traceprop/context/current.h"
#include "traceprop/interceptors/reactors.h"
#include "traceprop/interceptors/tracing.h"
#include "traceprop/tests/interceptors/echo_servers.h"

namespace traceprop {
namespace {

using testing_support::Latch;
using testing_support::StepChecker;
using ::testing::Ge;
using ::testing::IsEmpty;
using tpecho::EchoRequest;
using tpecho::EchoResponse;

// Recorder checks, in a callback, that Current() is exactly `expected`,
// and counts the steps. Thread-safe.
class Recorder {
 public:
  void Step(const std::string& step, const TraceContext& expected) {
    const TraceContext& current = Current();
    std::lock_guard<std::mutex> lock(mu_);
    ++seen_[step];
    if (!expected.IsValid() || !current.IsValid() ||
        current.trace_id() != expected.trace_id() ||
        current.span_id() != expected.span_id()) {
      failures_.push_back(step + ": Current() is not the expected context");
    }
  }
  int Seen(const std::string& step) {
    std::lock_guard<std::mutex> lock(mu_);
    return seen_[step];
  }
  std::vector<std::string> failures() {
    std::lock_guard<std::mutex> lock(mu_);
    return failures_;
  }

 private:
  std::mutex mu_;
  std::map<std::string, int> seen_;
  std::vector<std::string> failures_;
};

// ------------------------------------------------------------ server side

class TracedEcho final : public tpecho::Echo::CallbackService {
 public:
  explicit TracedEcho(Recorder* rec) : rec_(rec) {}

  grpc::ServerUnaryReactor* Unary(grpc::CallbackServerContext* ctx,
                                  const EchoRequest* /*req*/,
                                  EchoResponse* resp) override {
    class Reactor : public TracedServerUnaryReactor {
     public:
      Reactor(Recorder* rec, grpc::CallbackServerContext* ctx,
              EchoResponse* resp)
          : rec_(rec), span_(ServerSpan(*ctx)) {
        StepChecker::FillResponse(*ctx, resp);
        StartSendInitialMetadata();
      }

     private:
      void OnTracedSendInitialMetadataDone(bool /*ok*/) override {
        rec_->Step("server.Unary.OnSendInitialMetadataDone", span_);
        Finish(grpc::Status::OK);
      }
      void OnTracedDone() override {
        rec_->Step("server.Unary.OnDone", span_);
        delete this;
      }
      Recorder* const rec_;
      const TraceContext span_;
    };
    return new Reactor(rec_, ctx, resp);
  }

  grpc::ServerReadReactor<EchoRequest>* ClientStream(
      grpc::CallbackServerContext* ctx, EchoResponse* resp) override {
    class Reactor : public TracedServerReadReactor<EchoRequest> {
     public:
      Reactor(Recorder* rec, grpc::CallbackServerContext* ctx,
              EchoResponse* resp)
          : rec_(rec), ctx_(ctx), resp_(resp), span_(ServerSpan(*ctx)) {
        StartRead(&req_);
      }

     private:
      void OnTracedReadDone(bool ok) override {
        rec_->Step("server.ClientStream.OnReadDone", span_);
        if (ok) {
          ++n_;
          return StartRead(&req_);
        }
        StepChecker::FillResponse(*ctx_, resp_);
        resp_->set_requests_seen(n_);
        Finish(grpc::Status::OK);
      }
      void OnTracedDone() override {
        rec_->Step("server.ClientStream.OnDone", span_);
        delete this;
      }
      Recorder* const rec_;
      grpc::CallbackServerContext* const ctx_;
      EchoResponse* const resp_;
      const TraceContext span_;
      EchoRequest req_;
      int n_ = 0;
    };
    return new Reactor(rec_, ctx, resp);
  }

  grpc::ServerWriteReactor<EchoResponse>* ServerStream(
      grpc::CallbackServerContext* ctx, const EchoRequest* req) override {
    class Reactor : public TracedServerWriteReactor<EchoResponse> {
     public:
      Reactor(Recorder* rec, grpc::CallbackServerContext* ctx, int n)
          : rec_(rec), left_(n), span_(ServerSpan(*ctx)) {
        StepChecker::FillResponse(*ctx, &resp_);
        Next();
      }

     private:
      void Next() {
        if (left_-- > 0) return StartWrite(&resp_);
        Finish(grpc::Status::OK);
      }
      void OnTracedWriteDone(bool ok) override {
        rec_->Step("server.ServerStream.OnWriteDone", span_);
        if (!ok) return Finish(grpc::Status::CANCELLED);
        Next();
      }
      void OnTracedDone() override {
        rec_->Step("server.ServerStream.OnDone", span_);
        delete this;
      }
      Recorder* const rec_;
      int left_;
      const TraceContext span_;
      EchoResponse resp_;
    };
    return new Reactor(rec_, ctx, req->responses());
  }

  // Bidi echoes each request; a request tagged "hang" gets no answer (it
  // counts down hang_seen instead), so the client cancels and OnCancel runs.
  grpc::ServerBidiReactor<EchoRequest, EchoResponse>* Bidi(
      grpc::CallbackServerContext* ctx) override {
    class Reactor : public TracedServerBidiReactor<EchoRequest, EchoResponse> {
     public:
      Reactor(Recorder* rec, Latch* hang_seen,
              grpc::CallbackServerContext* ctx)
          : rec_(rec), hang_seen_(hang_seen), ctx_(ctx),
            span_(ServerSpan(*ctx)) {
        StartRead(&req_);
      }

     private:
      void OnTracedReadDone(bool ok) override {
        rec_->Step("server.Bidi.OnReadDone", span_);
        if (!ok) return FinishOnce(grpc::Status::OK);
        if (req_.tag() == "hang") {
          if (hang_seen_ != nullptr) hang_seen_->CountDown();
          return;
        }
        StepChecker::FillResponse(*ctx_, &resp_);
        resp_.set_tag(req_.tag());
        StartWrite(&resp_);
      }
      void OnTracedWriteDone(bool ok) override {
        rec_->Step("server.Bidi.OnWriteDone", span_);
        if (!ok) return FinishOnce(grpc::Status::CANCELLED);
        StartRead(&req_);
      }
      void OnTracedCancel() override {
        rec_->Step("server.Bidi.OnCancel", span_);
        FinishOnce(grpc::Status::CANCELLED);
      }
      // OnCancel may run concurrently with a failed read: finish once.
      void FinishOnce(const grpc::Status& status) {
        if (!finished_.exchange(true)) Finish(status);
      }
      void OnTracedDone() override {
        rec_->Step("server.Bidi.OnDone", span_);
        delete this;
      }
      Recorder* const rec_;
      Latch* const hang_seen_;
      grpc::CallbackServerContext* const ctx_;
      const TraceContext span_;
      EchoRequest req_;
      EchoResponse resp_;
      std::atomic<bool> finished_{false};
    };
    return new Reactor(rec_, hang_seen_.load(), ctx);
  }

  // set_hang_seen is called before any call that sends "hang".
  void set_hang_seen(Latch* latch) { hang_seen_.store(latch); }

 private:
  Recorder* const rec_;
  std::atomic<Latch*> hang_seen_{nullptr};
};

// ------------------------------------------------------------ client side

// Each client reactor records its callbacks against the caller's context
// (the one current when it was constructed) and counts `done` down last.
class UnaryCall : public TracedClientUnaryReactor {
 public:
  UnaryCall(tpecho::Echo::Stub* stub, Recorder* rec, Latch* done)
      : rec_(rec), done_(done), caller_(Current()) {
    stub->async()->Unary(&ctx_, &req_, &resp, this);
    StartCall();
  }
  EchoResponse resp;
  grpc::Status status;

 private:
  void OnTracedReadInitialMetadataDone(bool /*ok*/) override {
    rec_->Step("client.Unary.OnReadInitialMetadataDone", caller_);
  }
  void OnTracedDone(const grpc::Status& s) override {
    rec_->Step("client.Unary.OnDone", caller_);
    status = s;
    done_->CountDown();
  }
  Recorder* const rec_;
  Latch* const done_;
  const TraceContext caller_;
  grpc::ClientContext ctx_;
  EchoRequest req_;
};

class ClientStreamCall : public TracedClientWriteReactor<EchoRequest> {
 public:
  ClientStreamCall(tpecho::Echo::Stub* stub, Recorder* rec, Latch* done)
      : rec_(rec), done_(done), caller_(Current()) {
    stub->async()->ClientStream(&ctx_, &resp, this);
    StartWrite(&req_);
    StartCall();
  }
  EchoResponse resp;
  grpc::Status status;
  void Cancel() { ctx_.TryCancel(); }  // thread-safe (gRPC)

 private:
  void OnTracedWriteDone(bool ok) override {
    rec_->Step("client.ClientStream.OnWriteDone", caller_);
    if (ok && ++written_ < 3) return StartWrite(&req_);
    StartWritesDone();
  }
  void OnTracedWritesDoneDone(bool /*ok*/) override {
    rec_->Step("client.ClientStream.OnWritesDoneDone", caller_);
  }
  void OnTracedDone(const grpc::Status& s) override {
    rec_->Step("client.ClientStream.OnDone", caller_);
    status = s;
    done_->CountDown();
  }
  Recorder* const rec_;
  Latch* const done_;
  const TraceContext caller_;
  grpc::ClientContext ctx_;
  EchoRequest req_;
  int written_ = 0;
};

class ServerStreamCall : public TracedClientReadReactor<EchoResponse> {
 public:
  ServerStreamCall(tpecho::Echo::Stub* stub, Recorder* rec, Latch* done)
      : rec_(rec), done_(done), caller_(Current()) {
    req_.set_responses(3);
    stub->async()->ServerStream(&ctx_, &req_, this);
    StartRead(&resp);
    StartCall();
  }
  EchoResponse resp;
  grpc::Status status;
  int reads = 0;

 private:
  void OnTracedReadDone(bool ok) override {
    rec_->Step("client.ServerStream.OnReadDone", caller_);
    if (!ok) return;
    ++reads;
    StartRead(&resp);
  }
  void OnTracedDone(const grpc::Status& s) override {
    rec_->Step("client.ServerStream.OnDone", caller_);
    status = s;
    done_->CountDown();
  }
  Recorder* const rec_;
  Latch* const done_;
  const TraceContext caller_;
  grpc::ClientContext ctx_;
  EchoRequest req_;
};

class BidiCall : public TracedClientBidiReactor<EchoRequest, EchoResponse> {
 public:
  // With `hang`, the server never answers; the test calls Cancel().
  BidiCall(tpecho::Echo::Stub* stub, Recorder* rec, Latch* done, bool hang)
      : rec_(rec), done_(done), caller_(Current()) {
    if (hang) req_.set_tag("hang");
    stub->async()->Bidi(&ctx_, this);
    StartWrite(&req_);
    StartRead(&resp);
    StartCall();
  }
  EchoResponse resp;
  grpc::Status status;
  void Cancel() { ctx_.TryCancel(); }  // thread-safe (gRPC)

 private:
  void OnTracedWriteDone(bool /*ok*/) override {
    rec_->Step("client.Bidi.OnWriteDone", caller_);
  }
  void OnTracedReadDone(bool ok) override {
    rec_->Step("client.Bidi.OnReadDone", caller_);
    if (ok) StartWritesDone();
  }
  void OnTracedWritesDoneDone(bool /*ok*/) override {
    rec_->Step("client.Bidi.OnWritesDoneDone", caller_);
  }
  void OnTracedDone(const grpc::Status& s) override {
    rec_->Step("client.Bidi.OnDone", caller_);
    status = s;
    done_->CountDown();
  }
  Recorder* const rec_;
  Latch* const done_;
  const TraceContext caller_;
  grpc::ClientContext ctx_;
  EchoRequest req_;
};

class ReactorsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                             &port_);
    builder.RegisterService(&service_);
    EnableTracing(builder);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    stub_ = tpecho::Echo::NewStub(CreateTracedChannel(
        "ipv4:127.0.0.1:" + std::to_string(port_),
        grpc::InsecureChannelCredentials()));
  }
  void TearDown() override {
    server_->Shutdown();  // waits for every reactor's OnDone
    EXPECT_THAT(rec_.failures(), IsEmpty());
    EXPECT_FALSE(Current().IsValid());
  }

  Recorder rec_;
  TracedEcho service_{&rec_};
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<tpecho::Echo::Stub> stub_;
};

TEST_F(ReactorsTest, EveryShapeRunsEachCallbackInItsContext) {
  const TraceContext caller = TraceContext::NewRoot();
  Latch done(4);
  std::unique_ptr<UnaryCall> unary;
  std::unique_ptr<ClientStreamCall> client_stream;
  std::unique_ptr<ServerStreamCall> server_stream;
  std::unique_ptr<BidiCall> bidi;
  {
    ContextScope scope(caller);
    unary = std::make_unique<UnaryCall>(stub_.get(), &rec_, &done);
    client_stream =
        std::make_unique<ClientStreamCall>(stub_.get(), &rec_, &done);
    server_stream =
        std::make_unique<ServerStreamCall>(stub_.get(), &rec_, &done);
    bidi = std::make_unique<BidiCall>(stub_.get(), &rec_, &done, false);
  }
  done.Wait();
  EXPECT_TRUE(unary->status.ok());
  EXPECT_TRUE(client_stream->status.ok());
  EXPECT_TRUE(server_stream->status.ok());
  EXPECT_TRUE(bidi->status.ok());
  EXPECT_EQ(client_stream->resp.requests_seen(), 3);
  EXPECT_EQ(server_stream->reads, 3);
  // Each server call continued the caller's trace.
  for (const EchoResponse* r : {&unary->resp, &client_stream->resp,
                                &server_stream->resp, &bidi->resp}) {
    EXPECT_EQ(r->server_span().trace_id(), caller.trace_id().ToHex());
  }
  server_->Shutdown();
  for (const char* step :
       {"server.Unary.OnSendInitialMetadataDone", "server.Unary.OnDone",
        "server.ClientStream.OnReadDone", "server.ClientStream.OnDone",
        "server.ServerStream.OnWriteDone", "server.ServerStream.OnDone",
        "server.Bidi.OnReadDone", "server.Bidi.OnWriteDone",
        "server.Bidi.OnDone", "client.Unary.OnDone",
        "client.ClientStream.OnWriteDone",
        "client.ClientStream.OnWritesDoneDone",
        "client.ClientStream.OnDone", "client.ServerStream.OnReadDone",
        "client.ServerStream.OnDone", "client.Bidi.OnWriteDone",
        "client.Bidi.OnReadDone", "client.Bidi.OnWritesDoneDone",
        "client.Bidi.OnDone"}) {
    EXPECT_THAT(rec_.Seen(step), Ge(1)) << step;
  }
  EXPECT_EQ(rec_.Seen("server.ClientStream.OnReadDone"), 4);
  EXPECT_EQ(rec_.Seen("server.ServerStream.OnWriteDone"), 3);
  EXPECT_FALSE(Current().IsValid());
}

TEST_F(ReactorsTest, CancelRunsInTheServerSpan) {
  const TraceContext caller = TraceContext::NewRoot();
  Latch hang_seen(1);
  service_.set_hang_seen(&hang_seen);
  Latch done(1);
  std::unique_ptr<BidiCall> bidi;
  {
    ContextScope scope(caller);
    bidi = std::make_unique<BidiCall>(stub_.get(), &rec_, &done, true);
  }
  hang_seen.Wait();  // the server's reactor exists and read the request
  bidi->Cancel();
  done.Wait();
  EXPECT_FALSE(bidi->status.ok());
  server_->Shutdown();
  EXPECT_EQ(rec_.Seen("server.Bidi.OnCancel"), 1);
  EXPECT_EQ(rec_.Seen("server.Bidi.OnDone"), 1);
  EXPECT_EQ(rec_.Seen("client.Bidi.OnDone"), 1);
}

TEST_F(ReactorsTest, NothingIsLeftOnGrpcThreads) {
  // Many traced calls, then plain callbacks with no context on the same
  // client threads: none may see a context.
  for (int round = 0; round < 5; ++round) {
    Latch done(2);
    std::unique_ptr<UnaryCall> unary;
    std::unique_ptr<BidiCall> bidi;
    {
      ContextScope scope(TraceContext::NewRoot());
      unary = std::make_unique<UnaryCall>(stub_.get(), &rec_, &done);
      bidi = std::make_unique<BidiCall>(stub_.get(), &rec_, &done, false);
    }
    done.Wait();
  }
  std::atomic<int> leaked{0};
  auto plain = tpecho::Echo::NewStub(
      grpc::CreateChannel("ipv4:127.0.0.1:" + std::to_string(port_),
                          grpc::InsecureChannelCredentials()));
  for (int i = 0; i < 20; ++i) {
    Latch done(1);
    grpc::ClientContext ctx;
    EchoRequest req;
    EchoResponse resp;
    plain->async()->Unary(&ctx, &req, &resp, [&](grpc::Status) {
      if (Current().IsValid()) leaked.fetch_add(1);
      done.CountDown();
    });
    done.Wait();
  }
  EXPECT_EQ(leaked.load(), 0);
}

}  // namespace
}  // namespace traceprop
