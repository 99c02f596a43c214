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

#include "absl/strings/str_cat.h"
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

// ServerCall<Reactor> is what the server test reactors share: the call's
// server span (read with ServerSpan, independently of the reactor's own
// capture), Step, and an OnTracedDone that records and deletes the reactor.
template <class Reactor>
class ServerCall : public Reactor {
 protected:
  ServerCall(const char* shape, Recorder* rec, grpc::CallbackServerContext* ctx)
      : ctx_(ctx), shape_(shape), rec_(rec), span_(ServerSpan(*ctx)) {}
  // Step records this shape's callback `name`, expecting the server span.
  void Step(const char* name) {
    rec_->Step(absl::StrCat("server.", shape_, ".", name), span_);
  }
  grpc::CallbackServerContext* const ctx_;

 private:
  void OnTracedDone() override {
    Step("OnDone");
    delete this;
  }
  const char* const shape_;
  Recorder* const rec_;
  const TraceContext span_;
};

class TracedEcho final : public tpecho::Echo::CallbackService {
 public:
  explicit TracedEcho(Recorder* rec) : rec_(rec) {}

  grpc::ServerUnaryReactor* Unary(grpc::CallbackServerContext* ctx,
                                  const EchoRequest* /*req*/,
                                  EchoResponse* resp) override {
    class Reactor : public ServerCall<TracedServerUnaryReactor> {
     public:
      Reactor(Recorder* rec, grpc::CallbackServerContext* ctx,
              EchoResponse* resp)
          : ServerCall("Unary", rec, ctx) {
        StepChecker::FillResponse(*ctx, resp);
        StartSendInitialMetadata();
      }

     private:
      void OnTracedSendInitialMetadataDone(bool /*ok*/) override {
        Step("OnSendInitialMetadataDone");
        Finish(grpc::Status::OK);
      }
    };
    return new Reactor(rec_, ctx, resp);
  }

  grpc::ServerReadReactor<EchoRequest>* ClientStream(
      grpc::CallbackServerContext* ctx, EchoResponse* resp) override {
    class Reactor : public ServerCall<TracedServerReadReactor<EchoRequest>> {
     public:
      Reactor(Recorder* rec, grpc::CallbackServerContext* ctx,
              EchoResponse* resp)
          : ServerCall("ClientStream", rec, ctx), resp_(resp) {
        StartRead(&req_);
      }

     private:
      void OnTracedReadDone(bool ok) override {
        Step("OnReadDone");
        if (ok) {
          ++n_;
          return StartRead(&req_);
        }
        StepChecker::FillResponse(*ctx_, resp_);
        resp_->set_requests_seen(n_);
        Finish(grpc::Status::OK);
      }
      EchoResponse* const resp_;
      EchoRequest req_;
      int n_ = 0;
    };
    return new Reactor(rec_, ctx, resp);
  }

  grpc::ServerWriteReactor<EchoResponse>* ServerStream(
      grpc::CallbackServerContext* ctx, const EchoRequest* req) override {
    class Reactor : public ServerCall<TracedServerWriteReactor<EchoResponse>> {
     public:
      Reactor(Recorder* rec, grpc::CallbackServerContext* ctx, int n)
          : ServerCall("ServerStream", rec, ctx), left_(n) {
        StepChecker::FillResponse(*ctx, &resp_);
        Next();
      }

     private:
      void Next() {
        if (left_-- > 0) return StartWrite(&resp_);
        Finish(grpc::Status::OK);
      }
      void OnTracedWriteDone(bool ok) override {
        Step("OnWriteDone");
        if (!ok) return Finish(grpc::Status::CANCELLED);
        Next();
      }
      int left_;
      EchoResponse resp_;
    };
    return new Reactor(rec_, ctx, req->responses());
  }

  // Bidi echoes each request; a request tagged "hang" gets no answer (it
  // counts down hang_seen instead), so the client cancels and OnCancel runs.
  grpc::ServerBidiReactor<EchoRequest, EchoResponse>* Bidi(
      grpc::CallbackServerContext* ctx) override {
    using Base = TracedServerBidiReactor<EchoRequest, EchoResponse>;
    class Reactor : public ServerCall<Base> {
     public:
      Reactor(Recorder* rec, Latch* hang_seen,
              grpc::CallbackServerContext* ctx)
          : ServerCall("Bidi", rec, ctx), hang_seen_(hang_seen) {
        StartRead(&req_);
      }

     private:
      void OnTracedReadDone(bool ok) override {
        Step("OnReadDone");
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
        Step("OnWriteDone");
        if (!ok) return FinishOnce(grpc::Status::CANCELLED);
        StartRead(&req_);
      }
      void OnTracedCancel() override {
        Step("OnCancel");
        FinishOnce(grpc::Status::CANCELLED);
      }
      // OnCancel may run concurrently with a failed read: finish once.
      void FinishOnce(const grpc::Status& status) {
        if (!finished_.exchange(true)) Finish(status);
      }
      Latch* const hang_seen_;
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

// ClientCall<Reactor> is what the client test reactors share: the caller's
// context (the one current at construction, captured independently of the
// reactor's own capture), the call's objects, Step, and an OnTracedDone
// that records, keeps the status and counts `done` down last.
template <class Reactor>
class ClientCall : public Reactor {
 public:
  EchoResponse resp;
  grpc::Status status;
  void Cancel() { ctx_.TryCancel(); }  // thread-safe (gRPC)

 protected:
  ClientCall(const char* shape, Recorder* rec, Latch* done)
      : shape_(shape), rec_(rec), done_(done), caller_(Current()) {}
  // Step records this shape's callback `name`, expecting the caller's
  // context.
  void Step(const char* name) {
    rec_->Step(absl::StrCat("client.", shape_, ".", name), caller_);
  }
  grpc::ClientContext ctx_;
  EchoRequest req_;

 private:
  void OnTracedDone(const grpc::Status& s) override {
    Step("OnDone");
    status = s;
    done_->CountDown();
  }
  const char* const shape_;
  Recorder* const rec_;
  Latch* const done_;
  const TraceContext caller_;
};

class UnaryCall : public ClientCall<TracedClientUnaryReactor> {
 public:
  UnaryCall(tpecho::Echo::Stub* stub, Recorder* rec, Latch* done)
      : ClientCall("Unary", rec, done) {
    stub->async()->Unary(&ctx_, &req_, &resp, this);
    StartCall();
  }

 private:
  void OnTracedReadInitialMetadataDone(bool /*ok*/) override {
    Step("OnReadInitialMetadataDone");
  }
};

class ClientStreamCall
    : public ClientCall<TracedClientWriteReactor<EchoRequest>> {
 public:
  ClientStreamCall(tpecho::Echo::Stub* stub, Recorder* rec, Latch* done)
      : ClientCall("ClientStream", rec, done) {
    stub->async()->ClientStream(&ctx_, &resp, this);
    StartWrite(&req_);
    StartCall();
  }

 private:
  void OnTracedWriteDone(bool ok) override {
    Step("OnWriteDone");
    if (ok && ++written_ < 3) return StartWrite(&req_);
    StartWritesDone();
  }
  void OnTracedWritesDoneDone(bool /*ok*/) override {
    Step("OnWritesDoneDone");
  }
  int written_ = 0;
};

class ServerStreamCall
    : public ClientCall<TracedClientReadReactor<EchoResponse>> {
 public:
  ServerStreamCall(tpecho::Echo::Stub* stub, Recorder* rec, Latch* done)
      : ClientCall("ServerStream", rec, done) {
    req_.set_responses(3);
    stub->async()->ServerStream(&ctx_, &req_, this);
    StartRead(&resp);
    StartCall();
  }
  int reads = 0;

 private:
  void OnTracedReadDone(bool ok) override {
    Step("OnReadDone");
    if (!ok) return;
    ++reads;
    StartRead(&resp);
  }
};

class BidiCall
    : public ClientCall<TracedClientBidiReactor<EchoRequest, EchoResponse>> {
 public:
  // With `hang`, the server never answers; the test calls Cancel().
  BidiCall(tpecho::Echo::Stub* stub, Recorder* rec, Latch* done, bool hang)
      : ClientCall("Bidi", rec, done) {
    if (hang) req_.set_tag("hang");
    stub->async()->Bidi(&ctx_, this);
    StartWrite(&req_);
    StartRead(&resp);
    StartCall();
  }

 private:
  void OnTracedWriteDone(bool /*ok*/) override { Step("OnWriteDone"); }
  void OnTracedReadDone(bool ok) override {
    Step("OnReadDone");
    if (ok) StartWritesDone();
  }
  void OnTracedWritesDoneDone(bool /*ok*/) override {
    Step("OnWritesDoneDone");
  }
};

class ReactorsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = testing_support::StartTracedServer(&service_, &port_);
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
