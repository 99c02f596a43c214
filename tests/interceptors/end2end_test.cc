// End-to-end: RPC shape (unary, client-, server-, bidi-streaming) x server
// API (sync, callback, completion queue) x client stub (sync, callback,
// completion queue) x transport (TCP loopback, in-process). Each call is
// made under a known caller context and checks that the trace crosses the
// hop as W3C Trace Context says, that every server step sees the server
// span, and that client completions see the caller's context through
// traceprop::Wrap / traceprop::CqTag.

#include <grpcpp/grpcpp.h>

#include <future>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "traceprop/context/current.h"
#include "traceprop/context/id_generator.h"
#include "traceprop/context/wrap.h"
#include "traceprop/interceptors/cq_tag.h"
#include "traceprop/interceptors/tracing.h"
#include "traceprop/tests/interceptors/echo_servers.h"

namespace traceprop {
namespace {

using testing_support::EchoServer;
using testing_support::ServerApi;
using tpecho::EchoRequest;
using tpecho::EchoResponse;

enum class ClientApi { kSync, kCallback, kAsync };
enum class Transport { kTcp, kInProcess };

constexpr int kMessages = 3;  // per streaming call
constexpr char kTraceState[] = "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7";

// The caller's context: not sampled (flags must arrive as sent, not as a
// default), random flag set, a two-member tracestate.
TraceContext Caller() {
  absl::StatusOr<TraceState> ts = TraceState::Parse(kTraceState);
  return TraceContext(GenerateTraceId(), GenerateSpanId(),
                      TraceFlags().WithRandom(true), *ts);
}

// ClientNotes records client-side completion steps that did not see the
// caller's context. Thread-safe.
class ClientNotes {
 public:
  explicit ClientNotes(TraceContext caller) : caller_(std::move(caller)) {}
  void Step(const char* step) {
    if (Current() != caller_) {
      std::lock_guard<std::mutex> lock(mu_);
      failures_.push_back(
          absl::StrCat(step, ": completion saw ", Current().ToTraceParent()));
    }
    std::lock_guard<std::mutex> lock(mu_);
    ++steps_;
  }
  std::vector<std::string> failures() {
    std::lock_guard<std::mutex> lock(mu_);
    return failures_;
  }
  int steps() {
    std::lock_guard<std::mutex> lock(mu_);
    return steps_;
  }
  const TraceContext& caller() const { return caller_; }

 private:
  const TraceContext caller_;
  std::mutex mu_;
  std::vector<std::string> failures_;
  int steps_ = 0;
};

struct Result {
  grpc::Status status;
  std::vector<EchoResponse> responses;
};

// ------------------------------------------------------- callback clients

// PlainCall<Reactor> is what the callback client reactors share. They are
// plain gRPC reactors: each callback opens the documented one-line scope
// itself.
template <class Reactor>
class PlainCall : public Reactor {
 public:
  std::future<Result> result() { return done_.get_future(); }

 protected:
  explicit PlainCall(ClientNotes* notes) : notes_(notes) {}
  // SendNext writes the next of kMessages requests, then WritesDone.
  void SendNext() {
    if (sent_ == kMessages) {
      this->StartWritesDone();
      return;
    }
    ++sent_;
    req_.set_tag(absl::StrCat("m", sent_));
    this->StartWrite(&req_);
  }
  ClientNotes* const notes_;
  grpc::ClientContext ctx_;
  EchoRequest req_;
  EchoResponse resp_;
  std::vector<EchoResponse> got_;
  std::promise<Result> done_;

 private:
  int sent_ = 0;
};

class CallbackClientStream
    : public PlainCall<grpc::ClientWriteReactor<EchoRequest>> {
 public:
  CallbackClientStream(tpecho::Echo::Stub* stub, ClientNotes* notes)
      : PlainCall(notes) {
    stub->async()->ClientStream(&ctx_, &resp_, this);
    SendNext();
    StartCall();
  }
  void OnWriteDone(bool ok) override {
    ContextScope scope(notes_->caller());  // the documented one-liner
    notes_->Step("cb.ClientStream.OnWriteDone");
    if (ok) SendNext();
  }
  void OnDone(const grpc::Status& s) override {
    ContextScope scope(notes_->caller());
    notes_->Step("cb.ClientStream.OnDone");
    done_.set_value(Result{s, {resp_}});
  }
};

class CallbackServerStream
    : public PlainCall<grpc::ClientReadReactor<EchoResponse>> {
 public:
  CallbackServerStream(tpecho::Echo::Stub* stub, ClientNotes* notes)
      : PlainCall(notes) {
    req_.set_responses(kMessages);
    stub->async()->ServerStream(&ctx_, &req_, this);
    StartRead(&resp_);
    StartCall();
  }
  void OnReadDone(bool ok) override {
    ContextScope scope(notes_->caller());
    notes_->Step("cb.ServerStream.OnReadDone");
    if (!ok) return;
    got_.push_back(resp_);
    StartRead(&resp_);
  }
  void OnDone(const grpc::Status& s) override {
    ContextScope scope(notes_->caller());
    notes_->Step("cb.ServerStream.OnDone");
    done_.set_value(Result{s, got_});
  }
};

class CallbackBidi
    : public PlainCall<grpc::ClientBidiReactor<EchoRequest, EchoResponse>> {
 public:
  CallbackBidi(tpecho::Echo::Stub* stub, ClientNotes* notes)
      : PlainCall(notes) {
    stub->async()->Bidi(&ctx_, this);
    SendNext();
    StartCall();
  }
  // Ping-pong: write one, read its answer, repeat.
  void OnWriteDone(bool ok) override {
    ContextScope scope(notes_->caller());
    notes_->Step("cb.Bidi.OnWriteDone");
    if (ok) StartRead(&resp_);
  }
  void OnReadDone(bool ok) override {
    ContextScope scope(notes_->caller());
    notes_->Step("cb.Bidi.OnReadDone");
    if (!ok) return;
    got_.push_back(resp_);
    SendNext();
  }
  void OnDone(const grpc::Status& s) override {
    ContextScope scope(notes_->caller());
    notes_->Step("cb.Bidi.OnDone");
    done_.set_value(Result{s, got_});
  }
};

// ---------------------------------------------------------------- fixture

class End2EndTest : public ::testing::TestWithParam<
                        std::tuple<ServerApi, ClientApi, Transport>> {
 protected:
  void SetUp() override {
    server_ = std::make_unique<EchoServer>(std::get<0>(GetParam()));
    channel_ = std::get<2>(GetParam()) == Transport::kTcp
                   ? server_->TcpChannel()
                   : server_->InProcessChannel();
    stub_ = tpecho::Echo::NewStub(channel_);
  }

  void TearDown() override {
    server_->Shutdown();
    EXPECT_THAT(server_->checker().failures(), ::testing::IsEmpty());
    EXPECT_THAT(notes_.failures(), ::testing::IsEmpty());
  }

  ClientApi client() const { return std::get<1>(GetParam()); }

  // AwaitStep drains one completion of a client CQ on this thread, which
  // has no current context: CqTag must supply the caller's.
  static void AwaitStep(grpc::CompletionQueue* cq) {
    void* tag;
    bool ok;
    ASSERT_TRUE(cq->Next(&tag, &ok));
    CqTag::Run(tag, ok);
  }

  Result Unary() {
    EchoRequest req;
    req.set_tag("u");
    Result r;
    r.responses.resize(1);
    grpc::ClientContext ctx;
    switch (client()) {
      case ClientApi::kSync: {
        ContextScope scope(notes_.caller());
        r.status = stub_->Unary(&ctx, req, &r.responses[0]);
        break;
      }
      case ClientApi::kCallback: {
        std::promise<grpc::Status> done;
        {
          ContextScope scope(notes_.caller());
          stub_->async()->Unary(&ctx, &req, &r.responses[0],
                                Wrap([&](grpc::Status s) {
                                  notes_.Step("cb.Unary.done");
                                  done.set_value(std::move(s));
                                }));
        }
        r.status = done.get_future().get();
        break;
      }
      case ClientApi::kAsync: {
        grpc::CompletionQueue cq;
        std::unique_ptr<grpc::ClientAsyncResponseReader<EchoResponse>> rpc;
        std::unique_ptr<CqTag> tag;
        {
          ContextScope scope(notes_.caller());
          rpc = stub_->AsyncUnary(&ctx, req, &cq);
          tag = std::make_unique<CqTag>(
              Current(), [&](bool) { notes_.Step("cq.Unary.finish"); });
        }
        rpc->Finish(&r.responses[0], &r.status, tag->tag());
        AwaitStep(&cq);
        break;
      }
    }
    return r;
  }

  Result ClientStream() {
    Result r;
    switch (client()) {
      case ClientApi::kSync: {
        ContextScope scope(notes_.caller());
        grpc::ClientContext ctx;
        r.responses.resize(1);
        auto writer = stub_->ClientStream(&ctx, &r.responses[0]);
        EchoRequest req;
        for (int i = 0; i < kMessages; ++i) writer->Write(req);
        writer->WritesDone();
        r.status = writer->Finish();
        break;
      }
      case ClientApi::kCallback: {
        std::unique_ptr<CallbackClientStream> call;
        {
          ContextScope scope(notes_.caller());
          call = std::make_unique<CallbackClientStream>(stub_.get(), &notes_);
        }
        r = call->result().get();
        break;
      }
      case ClientApi::kAsync: {
        grpc::CompletionQueue cq;
        grpc::ClientContext ctx;
        r.responses.resize(1);
        std::unique_ptr<grpc::ClientAsyncWriter<EchoRequest>> w;
        bool last_ok = false;
        std::unique_ptr<CqTag> tag;
        {
          ContextScope scope(notes_.caller());
          tag = std::make_unique<CqTag>(Current(), [&](bool ok) {
            notes_.Step("cq.ClientStream.step");
            last_ok = ok;
          });
          w = stub_->AsyncClientStream(&ctx, &r.responses[0], &cq, tag->tag());
        }
        AwaitStep(&cq);
        EchoRequest req;
        for (int i = 0; i < kMessages && last_ok; ++i) {
          w->Write(req, tag->tag());
          AwaitStep(&cq);
        }
        w->WritesDone(tag->tag());
        AwaitStep(&cq);
        w->Finish(&r.status, tag->tag());
        AwaitStep(&cq);
        break;
      }
    }
    return r;
  }

  Result ServerStream() {
    EchoRequest req;
    req.set_responses(kMessages);
    Result r;
    switch (client()) {
      case ClientApi::kSync: {
        ContextScope scope(notes_.caller());
        grpc::ClientContext ctx;
        auto reader = stub_->ServerStream(&ctx, req);
        EchoResponse resp;
        while (reader->Read(&resp)) r.responses.push_back(resp);
        r.status = reader->Finish();
        break;
      }
      case ClientApi::kCallback: {
        std::unique_ptr<CallbackServerStream> call;
        {
          ContextScope scope(notes_.caller());
          call = std::make_unique<CallbackServerStream>(stub_.get(), &notes_);
        }
        r = call->result().get();
        break;
      }
      case ClientApi::kAsync: {
        grpc::CompletionQueue cq;
        grpc::ClientContext ctx;
        std::unique_ptr<grpc::ClientAsyncReader<EchoResponse>> rd;
        bool last_ok = false;
        std::unique_ptr<CqTag> tag;
        {
          ContextScope scope(notes_.caller());
          tag = std::make_unique<CqTag>(Current(), [&](bool ok) {
            notes_.Step("cq.ServerStream.step");
            last_ok = ok;
          });
          rd = stub_->AsyncServerStream(&ctx, req, &cq, tag->tag());
        }
        AwaitStep(&cq);
        EchoResponse resp;
        while (last_ok) {
          rd->Read(&resp, tag->tag());
          AwaitStep(&cq);
          if (last_ok) r.responses.push_back(resp);
        }
        rd->Finish(&r.status, tag->tag());
        AwaitStep(&cq);
        break;
      }
    }
    return r;
  }

  Result Bidi() {
    Result r;
    switch (client()) {
      case ClientApi::kSync: {
        ContextScope scope(notes_.caller());
        grpc::ClientContext ctx;
        auto stream = stub_->Bidi(&ctx);
        EchoRequest req;
        EchoResponse resp;
        for (int i = 0; i < kMessages; ++i) {
          stream->Write(req);
          if (stream->Read(&resp)) r.responses.push_back(resp);
        }
        stream->WritesDone();
        r.status = stream->Finish();
        break;
      }
      case ClientApi::kCallback: {
        std::unique_ptr<CallbackBidi> call;
        {
          ContextScope scope(notes_.caller());
          call = std::make_unique<CallbackBidi>(stub_.get(), &notes_);
        }
        r = call->result().get();
        break;
      }
      case ClientApi::kAsync: {
        grpc::CompletionQueue cq;
        grpc::ClientContext ctx;
        std::unique_ptr<
            grpc::ClientAsyncReaderWriter<EchoRequest, EchoResponse>>
            s;
        bool last_ok = false;
        std::unique_ptr<CqTag> tag;
        {
          ContextScope scope(notes_.caller());
          tag = std::make_unique<CqTag>(Current(), [&](bool ok) {
            notes_.Step("cq.Bidi.step");
            last_ok = ok;
          });
          s = stub_->AsyncBidi(&ctx, &cq, tag->tag());
        }
        AwaitStep(&cq);
        EchoRequest req;
        EchoResponse resp;
        for (int i = 0; i < kMessages && last_ok; ++i) {
          s->Write(req, tag->tag());
          AwaitStep(&cq);
          s->Read(&resp, tag->tag());
          AwaitStep(&cq);
          if (last_ok) r.responses.push_back(resp);
        }
        s->WritesDone(tag->tag());
        AwaitStep(&cq);
        s->Finish(&r.status, tag->tag());
        AwaitStep(&cq);
        break;
      }
    }
    return r;
  }

  // ExpectHop checks one response against the caller's context.
  void ExpectHop(const EchoResponse& resp) {
    const TraceContext& caller = notes_.caller();
    // Exactly one traceparent and one tracestate crossed the wire.
    ASSERT_EQ(resp.traceparent_size(), 1);
    absl::StatusOr<TraceContext> call =
        TraceContext::FromHeaders(resp.traceparent(0));
    ASSERT_TRUE(call.ok()) << call.status();
    EXPECT_EQ(call->trace_id(), caller.trace_id()) << "same trace id";
    EXPECT_NE(call->span_id(), caller.span_id()) << "a new span for the call";
    EXPECT_EQ(call->flags(), caller.flags());
    ASSERT_EQ(resp.tracestate_size(), 1);
    EXPECT_EQ(resp.tracestate(0), kTraceState);
    // The server span continues the call.
    const tpecho::SpanSeen& s = resp.server_span();
    EXPECT_TRUE(s.valid());
    EXPECT_EQ(s.trace_id(), caller.trace_id().ToHex());
    EXPECT_EQ(s.parent_span_id(), call->span_id().ToHex());
    EXPECT_NE(s.span_id(), call->span_id().ToHex());
    EXPECT_NE(s.span_id(), caller.span_id().ToHex());
    EXPECT_EQ(s.flags(), caller.flags().value());
    EXPECT_EQ(s.tracestate(), kTraceState);
    EXPECT_EQ(resp.incoming().span_id(), call->span_id().ToHex());
  }

  void ExpectAllHops(const Result& r, size_t n) {
    ASSERT_TRUE(r.status.ok()) << r.status.error_message();
    ASSERT_EQ(r.responses.size(), n);
    for (const EchoResponse& resp : r.responses) ExpectHop(resp);
    // All responses of one call describe the same server span.
    for (const EchoResponse& resp : r.responses) {
      EXPECT_EQ(resp.server_span().span_id(),
                r.responses[0].server_span().span_id());
    }
  }

  std::unique_ptr<EchoServer> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<tpecho::Echo::Stub> stub_;
  ClientNotes notes_{Caller()};
};

TEST_P(End2EndTest, Unary) {
  ExpectAllHops(Unary(), 1);
  if (client() != ClientApi::kSync) EXPECT_EQ(notes_.steps(), 1);
  server_->Shutdown();
  EXPECT_GE(server_->checker().checks(), 1);
}

TEST_P(End2EndTest, ClientStreaming) {
  Result r = ClientStream();
  ExpectAllHops(r, 1);
  EXPECT_EQ(r.responses[0].requests_seen(), kMessages);
  if (client() != ClientApi::kSync) EXPECT_GE(notes_.steps(), kMessages + 1);
  server_->Shutdown();
  EXPECT_GE(server_->checker().checks(), kMessages + 1);
}

TEST_P(End2EndTest, ServerStreaming) {
  ExpectAllHops(ServerStream(), kMessages);
  if (client() != ClientApi::kSync) EXPECT_GE(notes_.steps(), kMessages + 1);
  server_->Shutdown();
  EXPECT_GE(server_->checker().checks(), kMessages);
}

TEST_P(End2EndTest, BidiStreaming) {
  ExpectAllHops(Bidi(), kMessages);
  if (client() != ClientApi::kSync) EXPECT_GE(notes_.steps(), 2 * kMessages);
  server_->Shutdown();
  EXPECT_GE(server_->checker().checks(), kMessages + 1);
}

std::string ParamName(
    const ::testing::TestParamInfo<End2EndTest::ParamType>& info) {
  const char* client[] = {"SyncClient", "CallbackClient", "AsyncClient"};
  return absl::StrCat(
      testing_support::Name(std::get<0>(info.param)),
      client[static_cast<int>(std::get<1>(info.param))],
      std::get<2>(info.param) == Transport::kTcp ? "Tcp" : "InProcess");
}

INSTANTIATE_TEST_SUITE_P(
    AllStyles, End2EndTest,
    ::testing::Combine(::testing::ValuesIn(testing_support::kAllServerApis),
                       ::testing::Values(ClientApi::kSync, ClientApi::kCallback,
                                         ClientApi::kAsync),
                       ::testing::Values(Transport::kTcp,
                                         Transport::kInProcess)),
    ParamName);

}  // namespace
}  // namespace traceprop
