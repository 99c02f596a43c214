#include "traceprop/tests/interceptors/echo_servers.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace traceprop {
namespace testing_support {

using tpecho::EchoRequest;
using tpecho::EchoResponse;

const char* Name(ServerApi api) {
  switch (api) {
    case ServerApi::kSync:
      return "SyncServer";
    case ServerApi::kCallback:
      return "CallbackServer";
    case ServerApi::kAsync:
      return "AsyncServer";
  }
  return "?";
}

void SeenOf(const TraceContext& c, tpecho::SpanSeen* out) {
  out->set_valid(c.IsValid());
  out->set_trace_id(c.trace_id().ToHex());
  out->set_span_id(c.span_id().ToHex());
  out->set_parent_span_id(c.parent_span_id().ToHex());
  out->set_flags(c.flags().value());
  out->set_tracestate(c.trace_state().ToHeader());
}

namespace {
std::vector<absl::string_view> Values(const grpc::ServerContextBase& ctx,
                                      const char* key) {
  std::vector<absl::string_view> out;
  auto range = ctx.client_metadata().equal_range(key);
  for (auto it = range.first; it != range.second; ++it) {
    out.emplace_back(it->second.data(), it->second.size());
  }
  return out;
}
}  // namespace

void StepChecker::Check(const grpc::ServerContextBase& ctx, const char* step,
                        const TraceContext* expected) {
  checks_.fetch_add(1);
  const TraceContext& current = Current();
  const TraceContext span = ServerSpan(ctx);
  std::string error;
  if (!span.IsValid()) {
    if (current.IsValid()) error = "an untraced call sees a context (leak)";
  } else if (!current.IsValid()) {
    error = "no current context";
  } else if (current != span) {
    error = "Current() is not ServerSpan(ctx)";
  } else if (expected != nullptr && current != *expected) {
    error = "Current() is not the span the method handler saw";
  } else {
    // Independently of the library: continue a single valid traceparent.
    std::vector<absl::string_view> tp = Values(ctx, "traceparent");
    if (tp.size() == 1) {
      absl::StatusOr<TraceContext> in = TraceContext::FromHeaders(tp[0]);
      if (in.ok() && trust_incoming_ &&
          (current.trace_id() != in->trace_id() ||
           current.parent_span_id() != in->span_id() ||
           current.span_id() == in->span_id())) {
        error = absl::StrCat("does not continue the incoming ", tp[0]);
      }
      if (in.ok() && !trust_incoming_ && current.trace_id() == in->trace_id()) {
        error = "continued an untrusted trace";
      }
    }
  }
  std::lock_guard<std::mutex> lock(mu_);
  ++seen_[step];
  if (!error.empty()) {
    failures_.push_back(absl::StrCat(step, ": ", error, " (current ",
                                     current.ToTraceParent(), ")"));
  }
}

void StepChecker::CheckEntry(const char* step, const TraceContext& own) {
  checks_.fetch_add(1);
  const TraceContext& current = Current();
  if (current.IsValid() && current != own) {
    std::lock_guard<std::mutex> lock(mu_);
    failures_.push_back(absl::StrCat(step, ": entered with another call's ",
                                     current.ToTraceParent()));
  }
}

void StepChecker::NoteLeak(const char* where) {
  std::lock_guard<std::mutex> lock(mu_);
  failures_.push_back(
      absl::StrCat(where, ": thread carries ", Current().ToTraceParent()));
}

int StepChecker::Seen(const std::string& step) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = seen_.find(step);
  return it == seen_.end() ? 0 : it->second;
}

std::vector<std::string> StepChecker::failures() const {
  std::lock_guard<std::mutex> lock(mu_);
  return failures_;
}

void StepChecker::FillResponse(const grpc::ServerContextBase& ctx,
                               EchoResponse* resp) {
  SeenOf(Current(), resp->mutable_server_span());
  SeenOf(IncomingContext(ctx), resp->mutable_incoming());
  for (absl::string_view v : Values(ctx, "traceparent")) {
    resp->add_traceparent(std::string(v));
  }
  for (absl::string_view v : Values(ctx, "tracestate")) {
    resp->add_tracestate(std::string(v));
  }
}

namespace {

// ------------------------------------------------------------------ sync

class SyncEcho final : public tpecho::Echo::Service {
 public:
  explicit SyncEcho(StepChecker* ck) : ck_(ck) {}

  grpc::Status Unary(grpc::ServerContext* ctx, const EchoRequest* req,
                     EchoResponse* resp) override {
    ck_->Check(*ctx, "sync.Unary");
    StepChecker::FillResponse(*ctx, resp);
    resp->set_tag(req->tag());
    return grpc::Status::OK;
  }
  grpc::Status ClientStream(grpc::ServerContext* ctx,
                            grpc::ServerReader<EchoRequest>* reader,
                            EchoResponse* resp) override {
    EchoRequest req;
    int n = 0;
    while (reader->Read(&req)) {
      ck_->Check(*ctx, "sync.ClientStream.Read");
      ++n;
    }
    ck_->Check(*ctx, "sync.ClientStream.end");
    StepChecker::FillResponse(*ctx, resp);
    resp->set_requests_seen(n);
    return grpc::Status::OK;
  }
  grpc::Status ServerStream(grpc::ServerContext* ctx, const EchoRequest* req,
                            grpc::ServerWriter<EchoResponse>* writer) override {
    for (int i = 0; i < req->responses(); ++i) {
      ck_->Check(*ctx, "sync.ServerStream.Write");
      EchoResponse resp;
      StepChecker::FillResponse(*ctx, &resp);
      resp.set_tag(req->tag());
      writer->Write(resp);
    }
    return grpc::Status::OK;
  }
  grpc::Status Bidi(
      grpc::ServerContext* ctx,
      grpc::ServerReaderWriter<EchoResponse, EchoRequest>* stream) override {
    EchoRequest req;
    while (stream->Read(&req)) {
      ck_->Check(*ctx, "sync.Bidi.Read");
      EchoResponse resp;
      StepChecker::FillResponse(*ctx, &resp);
      resp.set_tag(req.tag());
      stream->Write(resp);
    }
    ck_->Check(*ctx, "sync.Bidi.end");
    return grpc::Status::OK;
  }

 private:
  StepChecker* ck_;
};

// -------------------------------------------------------------- callback
// Each reactor callback opens its scope with the documented one-liner
// `ContextScope scope(ServerSpan(*ctx_))` and checks that it is the span
// the method handler (and so the reactor's constructor) saw as Current().

// CheckedReactor<Reactor> is what the callback reactors share: the call,
// the span the constructor saw, step names "cb.<shape>.<callback>", and
// OnDone/OnCancel.
template <class Reactor>
class CheckedReactor : public Reactor {
 public:
  void OnDone() override {
    Entered("OnDone");
    ContextScope scope(ServerSpan(*ctx_));
    Checked("OnDone");
    delete this;
  }
  void OnCancel() override {
    Entered("OnCancel");
    ContextScope scope(ServerSpan(*ctx_));
    Checked("OnCancel");
  }

 protected:
  CheckedReactor(const char* shape, grpc::CallbackServerContext* ctx,
                 StepChecker* ck)
      : ctx_(ctx), ck_(ck), shape_(shape), span_(Current()) {}
  // Entered checks callback `name` on entry, before it opens its scope;
  // Checked checks it inside the scope.
  void Entered(const char* name) { ck_->CheckEntry(Step(name).c_str(), span_); }
  void Checked(const char* name) {
    ck_->Check(*ctx_, Step(name).c_str(), &span_);
  }
  grpc::CallbackServerContext* const ctx_;
  StepChecker* const ck_;

 private:
  std::string Step(const char* name) const {
    return absl::StrCat("cb.", shape_, ".", name);
  }
  const char* const shape_;
  const TraceContext span_;
};

class CallbackEcho final : public tpecho::Echo::CallbackService {
 public:
  explicit CallbackEcho(StepChecker* ck) : ck_(ck) {}

  grpc::ServerUnaryReactor* Unary(grpc::CallbackServerContext* ctx,
                                  const EchoRequest* req,
                                  EchoResponse* resp) override {
    ck_->Check(*ctx, "cb.Unary.handler");
    StepChecker::FillResponse(*ctx, resp);
    resp->set_tag(req->tag());
    class Reactor : public CheckedReactor<grpc::ServerUnaryReactor> {
     public:
      Reactor(grpc::CallbackServerContext* ctx, StepChecker* ck)
          : CheckedReactor("Unary", ctx, ck) {
        Finish(grpc::Status::OK);
      }
    };
    return new Reactor(ctx, ck_);
  }

  grpc::ServerReadReactor<EchoRequest>* ClientStream(
      grpc::CallbackServerContext* ctx, EchoResponse* resp) override {
    class Reactor
        : public CheckedReactor<grpc::ServerReadReactor<EchoRequest>> {
     public:
      Reactor(grpc::CallbackServerContext* ctx, EchoResponse* resp,
              StepChecker* ck)
          : CheckedReactor("ClientStream", ctx, ck), resp_(resp) {
        Checked("ctor");
        StartRead(&req_);
      }
      void OnReadDone(bool ok) override {
        Entered("OnReadDone");
        ContextScope scope(ServerSpan(*ctx_));
        Checked("OnReadDone");
        if (ok) {
          ++n_;
          StartRead(&req_);
          return;
        }
        StepChecker::FillResponse(*ctx_, resp_);
        resp_->set_requests_seen(n_);
        Finish(grpc::Status::OK);
      }

     private:
      EchoResponse* resp_;
      EchoRequest req_;
      int n_ = 0;
    };
    return new Reactor(ctx, resp, ck_);
  }

  grpc::ServerWriteReactor<EchoResponse>* ServerStream(
      grpc::CallbackServerContext* ctx, const EchoRequest* req) override {
    class Reactor
        : public CheckedReactor<grpc::ServerWriteReactor<EchoResponse>> {
     public:
      Reactor(grpc::CallbackServerContext* ctx, const EchoRequest* req,
              StepChecker* ck)
          : CheckedReactor("ServerStream", ctx, ck),
            want_(req->responses()),
            tag_(req->tag()) {
        Checked("ctor");
        Next();
      }
      void OnWriteDone(bool ok) override {
        Entered("OnWriteDone");
        ContextScope scope(ServerSpan(*ctx_));
        Checked("OnWriteDone");
        if (!ok) return Finish(WriteFailed());
        Next();
      }

     private:
      void Next() {
        if (sent_ == want_) return Finish(grpc::Status::OK);
        ++sent_;
        resp_.Clear();
        StepChecker::FillResponse(*ctx_, &resp_);
        resp_.set_tag(tag_);
        StartWrite(&resp_);
      }
      const int want_;
      const std::string tag_;
      int sent_ = 0;
      EchoResponse resp_;
    };
    return new Reactor(ctx, req, ck_);
  }

  grpc::ServerBidiReactor<EchoRequest, EchoResponse>* Bidi(
      grpc::CallbackServerContext* ctx) override {
    using Base = grpc::ServerBidiReactor<EchoRequest, EchoResponse>;
    class Reactor : public CheckedReactor<Base> {
     public:
      Reactor(grpc::CallbackServerContext* ctx, StepChecker* ck)
          : CheckedReactor("Bidi", ctx, ck) {
        Checked("ctor");
        StartRead(&req_);
      }
      void OnReadDone(bool ok) override {
        Entered("OnReadDone");
        ContextScope scope(ServerSpan(*ctx_));
        Checked("OnReadDone");
        if (!ok) return Finish(grpc::Status::OK);
        resp_.Clear();
        StepChecker::FillResponse(*ctx_, &resp_);
        resp_.set_tag(req_.tag());
        StartWrite(&resp_);
      }
      void OnWriteDone(bool ok) override {
        Entered("OnWriteDone");
        ContextScope scope(ServerSpan(*ctx_));
        Checked("OnWriteDone");
        if (!ok) return Finish(WriteFailed());
        StartRead(&req_);
      }

     private:
      EchoRequest req_;
      EchoResponse resp_;
    };
    return new Reactor(ctx, ck_);
  }

 private:
  // WriteFailed is the status a reactor finishes with when a write failed.
  static grpc::Status WriteFailed() {
    return grpc::Status(grpc::StatusCode::UNKNOWN, "write failed");
  }
  StepChecker* ck_;
};

// ------------------------------------------------------- completion queue
// Classic state machines; every tag is a traceprop::CqTag bound to the
// call's ServerContext, so each step runs with the server span current on
// whichever drain thread picks it up.

struct AsyncEnv {
  tpecho::Echo::AsyncService* service;
  grpc::ServerCompletionQueue* cq;
  StepChecker* ck;
};

class AsyncUnary {
 public:
  explicit AsyncUnary(AsyncEnv env) : env_(env) {
    env_.service->RequestUnary(&ctx_, &req_, &responder_, env_.cq, env_.cq,
                               tag_.tag());
  }

 private:
  void Step(bool ok) {
    if (state_ == 0) {
      if (!ok) {
        delete this;
        return;
      }
      new AsyncUnary(env_);
      env_.ck->Check(ctx_, "cq.Unary.request");
      StepChecker::FillResponse(ctx_, &resp_);
      resp_.set_tag(req_.tag());
      state_ = 1;
      responder_.Finish(resp_, grpc::Status::OK, tag_.tag());
      return;
    }
    env_.ck->Check(ctx_, "cq.Unary.finish");
    delete this;
  }

  AsyncEnv env_;
  grpc::ServerContext ctx_;
  EchoRequest req_;
  EchoResponse resp_;
  grpc::ServerAsyncResponseWriter<EchoResponse> responder_{&ctx_};
  CqTag tag_{&ctx_, [this](bool ok) { Step(ok); }};
  int state_ = 0;
};

class AsyncClientStream {
 public:
  explicit AsyncClientStream(AsyncEnv env) : env_(env) {
    env_.service->RequestClientStream(&ctx_, &reader_, env_.cq, env_.cq,
                                      tag_.tag());
  }

 private:
  void Step(bool ok) {
    switch (state_) {
      case 0:
        if (!ok) {
          delete this;
          return;
        }
        new AsyncClientStream(env_);
        env_.ck->Check(ctx_, "cq.ClientStream.request");
        state_ = 1;
        reader_.Read(&req_, tag_.tag());
        return;
      case 1:
        env_.ck->Check(ctx_, "cq.ClientStream.read");
        if (ok) {
          ++n_;
          reader_.Read(&req_, tag_.tag());
          return;
        }
        StepChecker::FillResponse(ctx_, &resp_);
        resp_.set_requests_seen(n_);
        state_ = 2;
        reader_.Finish(resp_, grpc::Status::OK, tag_.tag());
        return;
      default:
        env_.ck->Check(ctx_, "cq.ClientStream.finish");
        delete this;
    }
  }

  AsyncEnv env_;
  grpc::ServerContext ctx_;
  EchoRequest req_;
  EchoResponse resp_;
  grpc::ServerAsyncReader<EchoResponse, EchoRequest> reader_{&ctx_};
  CqTag tag_{&ctx_, [this](bool ok) { Step(ok); }};
  int state_ = 0;
  int n_ = 0;
};

class AsyncServerStream {
 public:
  explicit AsyncServerStream(AsyncEnv env) : env_(env) {
    env_.service->RequestServerStream(&ctx_, &req_, &writer_, env_.cq, env_.cq,
                                      tag_.tag());
  }

 private:
  void Step(bool ok) {
    switch (state_) {
      case 0:
        if (!ok) {
          delete this;
          return;
        }
        new AsyncServerStream(env_);
        env_.ck->Check(ctx_, "cq.ServerStream.request");
        state_ = 1;
        Next(true);
        return;
      case 1:
        env_.ck->Check(ctx_, "cq.ServerStream.write");
        Next(ok);
        return;
      default:
        env_.ck->Check(ctx_, "cq.ServerStream.finish");
        delete this;
    }
  }
  void Next(bool ok) {
    if (!ok || sent_ == req_.responses()) {
      state_ = 2;
      writer_.Finish(grpc::Status::OK, tag_.tag());
      return;
    }
    ++sent_;
    resp_.Clear();
    StepChecker::FillResponse(ctx_, &resp_);
    resp_.set_tag(req_.tag());
    writer_.Write(resp_, tag_.tag());
  }

  AsyncEnv env_;
  grpc::ServerContext ctx_;
  EchoRequest req_;
  EchoResponse resp_;
  grpc::ServerAsyncWriter<EchoResponse> writer_{&ctx_};
  CqTag tag_{&ctx_, [this](bool ok) { Step(ok); }};
  int state_ = 0;
  int sent_ = 0;
};

class AsyncBidi {
 public:
  explicit AsyncBidi(AsyncEnv env) : env_(env) {
    env_.service->RequestBidi(&ctx_, &stream_, env_.cq, env_.cq, tag_.tag());
  }

 private:
  void Step(bool ok) {
    switch (state_) {
      case 0:
        if (!ok) {
          delete this;
          return;
        }
        new AsyncBidi(env_);
        env_.ck->Check(ctx_, "cq.Bidi.request");
        state_ = 1;
        stream_.Read(&req_, tag_.tag());
        return;
      case 1:  // read done
        env_.ck->Check(ctx_, "cq.Bidi.read");
        if (!ok) {
          state_ = 3;
          stream_.Finish(grpc::Status::OK, tag_.tag());
          return;
        }
        resp_.Clear();
        StepChecker::FillResponse(ctx_, &resp_);
        resp_.set_tag(req_.tag());
        state_ = 2;
        stream_.Write(resp_, tag_.tag());
        return;
      case 2:  // write done
        env_.ck->Check(ctx_, "cq.Bidi.write");
        state_ = 1;
        stream_.Read(&req_, tag_.tag());
        return;
      default:
        env_.ck->Check(ctx_, "cq.Bidi.finish");
        delete this;
    }
  }

  AsyncEnv env_;
  grpc::ServerContext ctx_;
  EchoRequest req_;
  EchoResponse resp_;
  grpc::ServerAsyncReaderWriter<EchoResponse, EchoRequest> stream_{&ctx_};
  CqTag tag_{&ctx_, [this](bool ok) { Step(ok); }};
  int state_ = 0;
};

}  // namespace

std::unique_ptr<grpc::Server> StartTracedServer(
    grpc::Service* service, int* port, ServerOptions options,
    std::vector<
        std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
        more) {
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                           port);
  builder.RegisterService(service);
  EnableTracing(builder, std::move(options), std::move(more));
  return builder.BuildAndStart();
}

std::string StatsString(const ServerHeaderStats& stats) {
  std::string out;
  auto add = [&out](const char* name, uint64_t value) {
    if (value == 0) return;
    absl::StrAppend(&out, out.empty() ? "" : " ", name, "=", value);
  };
  add("calls", stats.calls);
  add("continued", stats.continued);
  add("missing_traceparent", stats.missing_traceparent);
  add("invalid_traceparent", stats.invalid_traceparent);
  add("multiple_traceparent", stats.multiple_traceparent);
  add("invalid_tracestate", stats.invalid_tracestate);
  add("untrusted", stats.untrusted);
  add("malformed_headers", stats.malformed_headers);
  add("dropped_baggage", stats.dropped_baggage);
  return out;
}

EchoServer::EchoServer(ServerApi api, ServerOptions options, int drain_threads)
    : api_(api) {
  checker_.set_trust_incoming(options.trust_incoming);
  grpc::ServerBuilder builder;
  builder.AddListeningPort("localhost:0", grpc::InsecureServerCredentials(),
                           &port_);
  tpecho::Echo::AsyncService* async_service = nullptr;
  switch (api) {
    case ServerApi::kSync:
      service_ = std::make_unique<SyncEcho>(&checker_);
      break;
    case ServerApi::kCallback:
      service_ = std::make_unique<CallbackEcho>(&checker_);
      break;
    case ServerApi::kAsync: {
      auto s = std::make_unique<tpecho::Echo::AsyncService>();
      async_service = s.get();
      service_ = std::move(s);
      cq_ = builder.AddCompletionQueue();
      break;
    }
  }
  builder.RegisterService(service_.get());
  EnableTracing(builder, std::move(options));
  server_ = builder.BuildAndStart();
  if (async_service != nullptr) {
    AsyncEnv env{async_service, cq_.get(), &checker_};
    for (int i = 0; i < 4; ++i) {
      new AsyncUnary(env);
      new AsyncClientStream(env);
      new AsyncServerStream(env);
      new AsyncBidi(env);
    }
    for (int i = 0; i < drain_threads; ++i) {
      drainers_.emplace_back([cq = cq_.get(), ck = &checker_] {
        void* tag;
        bool ok;
        while (cq->Next(&tag, &ok)) {
          // Between steps a drain thread must carry no context.
          if (Current().IsValid()) ck->NoteLeak("drain loop");
          CqTag::Run(tag, ok);
        }
        if (Current().IsValid()) ck->NoteLeak("drain loop end");
      });
    }
  }
}

EchoServer::~EchoServer() { Shutdown(); }

void EchoServer::Shutdown() {
  if (shut_down_) return;
  shut_down_ = true;
  server_->Shutdown();
  if (cq_ != nullptr) {
    cq_->Shutdown();
    for (std::thread& t : drainers_) t.join();
  }
}

std::shared_ptr<grpc::Channel> EchoServer::TcpChannel(ClientOptions options,
                                                      bool traced) {
  // An address, not "localhost:<port>": the resolver for names (c-ares)
  // leaks a few bytes per channel in Debian's build, which LeakSanitizer
  // reports; the server still listens on "localhost:0".
  const std::string target = absl::StrCat("ipv4:127.0.0.1:", port_);
  if (!traced) {
    return grpc::CreateChannel(target, grpc::InsecureChannelCredentials());
  }
  return CreateTracedChannel(target, grpc::InsecureChannelCredentials(),
                             grpc::ChannelArguments(), options);
}

std::shared_ptr<grpc::Channel> EchoServer::InProcessChannel(
    ClientOptions options, bool traced) {
  grpc::ChannelArguments args;
  if (!traced) return server_->InProcessChannel(args);
  std::vector<
      std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>>
      list;
  list.push_back(MakeClientInterceptorFactory(options));
  return server_->experimental().InProcessChannelWithInterceptors(
      args, std::move(list));
}

}  // namespace testing_support
}  // namespace traceprop
