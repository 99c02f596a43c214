// async_server — a completion-queue Relay server drained by several threads.
//
//   async_server --port 0 --threads 3 --name async  # prints "listening on
//                                                    # 127.0.0.1:PORT"
//
// In the async API the handler is not a function gRPC calls: it is a state
// machine whose steps run on whichever thread drains the queue, so nothing
// makes the server span current by itself. traceprop::CqTag does, in one
// line per call: a tag built from the call's ServerContext makes
// ServerSpan(ctx) current for every step it runs, on any thread, and
// restores the thread's previous context afterwards. The drain loop is
//
//   while (cq->Next(&tag, &ok)) traceprop::CqTag::Run(tag, ok);
//
// Forward with a non-empty route calls the next hop with an async client
// call on the same queue; the traced channel takes Current() — the server
// span, inside a step — when the call is created, so the next hop continues
// the trace; its deadline and cancellation follow the incoming call. Every
// step logs; every line carries the trace, and nothing the peer sent is
// logged unescaped. On SIGTERM it stops within --grace_ms, shutting the
// queue down only after the last call is gone (see main). Implements
// examples/proto/relay.proto, so it can be any hop of a relay chain.

#include <grpcpp/grpcpp.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "spdlog/sinks/stdout_color_sinks.h"
#include "spdlog/spdlog.h"
#include "traceprop/context/current.h"
#include "traceprop/examples/proto/relay.grpc.pb.h"
#include "traceprop/interceptors/cq_tag.h"
#include "traceprop/interceptors/tracing.h"
#include "traceprop/logging/spdlog_setup.h"

// Shared with the sync relay: metadata joining, route checks, Hop filling.
#include "../relay/example_tracing.h"
#include "../relay/relay_common.h"

ABSL_FLAG(int, port, 0, "port to listen on (127.0.0.1); 0 picks a free one");
ABSL_FLAG(std::string, name, "async", "this hop's name (Hop.service)");
ABSL_FLAG(int, threads, 3, "threads draining the completion queue");
ABSL_FLAG(int, grace_ms, 2000,
          "on SIGTERM: how long in-flight calls may finish before they are "
          "cancelled (their downstream calls with them)");

namespace {

using traceprop::examples::ForwardReply;
using traceprop::examples::ForwardRequest;
using traceprop::examples::Relay;

thread_local std::string drainer = "main";  // the draining thread's name

// Stubs is a thread-safe cache of traced stubs by target.
class Stubs {
 public:
  Relay::Stub* For(const std::string& target) {
    std::lock_guard<std::mutex> lock(mu_);
    std::unique_ptr<Relay::Stub>& stub = stubs_[target];
    if (stub == nullptr) {
      stub = Relay::NewStub(traceprop::CreateTracedChannel(
          target, grpc::InsecureChannelCredentials()));
    }
    return stub.get();
  }

 private:
  std::mutex mu_;
  std::map<std::string, std::unique_ptr<Relay::Stub>> stubs_;  // by mu_
};

// Shared is what every call uses. `live` counts Call objects: the queue may
// only be shut down once it is 0, because a live call can still start an
// operation on it (a Finish, a downstream call), and starting one on a shut
// down queue aborts the process.
struct Shared {
  std::string name;
  Relay::AsyncService service;
  std::unique_ptr<grpc::ServerCompletionQueue> cq;
  Stubs stubs;

  std::mutex mu;
  std::condition_variable all_gone;
  int live = 0;  // by mu

  void Add() {
    std::lock_guard<std::mutex> lock(mu);
    ++live;
  }
  void Remove() {
    std::lock_guard<std::mutex> lock(mu);
    if (--live == 0) all_gone.notify_all();
  }
  // WaitAllGone blocks until no Call is left (or `deadline`); true if none.
  bool WaitAllGone(std::chrono::steady_clock::time_point deadline) {
    std::unique_lock<std::mutex> lock(mu);
    return all_gone.wait_until(lock, deadline, [this] { return live == 0; });
  }
};

// Call is one Forward call: received -> (forwarded) -> finished. It owns
// itself and deletes itself after its last step. Every step runs through
// `step_`, so Current() is this call's server span in each of them.
class Call {
 public:
  explicit Call(Shared* shared) : shared_(shared) {
    shared_->Add();
    shared_->service.RequestForward(&ctx_, &request_, &responder_,
                                    shared_->cq.get(), shared_->cq.get(),
                                    step_.tag());
  }
  ~Call() { shared_->Remove(); }

 private:
  enum class State { kReceiving, kForwarding, kFinishing };

  void Proceed(bool ok) {
    switch (state_) {
      case State::kReceiving:
        if (!ok) {  // the server is shutting down
          delete this;
          return;
        }
        new Call(shared_);  // accept the next call
        Received();
        return;
      case State::kForwarding:
        Forwarded();
        return;
      case State::kFinishing:
        spdlog::info("step 3 on {}: reply sent (ok={})", drainer, ok);
        delete this;
        return;
    }
  }

  void Received() {
    spdlog::info("step 1 on {}: Forward received, route=[{}]", drainer,
                 traceprop_examples::PrintableRoute(request_.route()));
    auto* hop = reply_.add_hops();
    hop->set_service(shared_->name);
    hop->set_traceparent(
        traceprop_examples::JoinedMetadata(ctx_, "traceparent"));
    hop->set_tracestate(traceprop_examples::JoinedMetadata(ctx_, "tracestate"));
    traceprop_examples::FillSpan(traceprop::Current(), hop);
    if (request_.route().empty()) {
      Finish(grpc::Status::OK);
      return;
    }
    absl::Status valid = traceprop_examples::ValidateRoute(request_);
    if (!valid.ok()) {
      Finish(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                          absl::StrCat(shared_->name, ": ", valid.message())));
      return;
    }
    next_ = request_.route(0);
    // The incoming deadline bounds the downstream call, and cancelling the
    // incoming call (the client, or Shutdown's grace period running out)
    // cancels it: FromServerContext propagates both.
    client_ctx_ = grpc::ClientContext::FromServerContext(ctx_);
    traceprop_examples::CapDeadline(ctx_.deadline(), client_ctx_.get());
    // Created inside a step: the client interceptor sees the server span as
    // Current() and sends a child of it.
    spdlog::info("forwarding to {}", next_);
    rpc_ = shared_->stubs.For(next_)->AsyncForward(
        client_ctx_.get(), traceprop_examples::DownstreamRequest(request_),
        shared_->cq.get());
    state_ = State::kForwarding;
    rpc_->Finish(&downstream_reply_, &downstream_status_, step_.tag());
  }

  void Forwarded() {
    spdlog::info("step 2 on {}: {} answered: {}", drainer, next_,
                 downstream_status_.ok() ? "OK"
                                         : traceprop_examples::Printable(
                                               downstream_status_.error_message()));
    if (!downstream_status_.ok()) {
      Finish(grpc::Status(downstream_status_.error_code(),
                          absl::StrCat(shared_->name, ": hop ", next_, ": ",
                                       downstream_status_.error_message())));
      return;
    }
    reply_.mutable_hops()->MergeFrom(downstream_reply_.hops());
    Finish(grpc::Status::OK);
  }

  void Finish(const grpc::Status& status) {
    state_ = State::kFinishing;
    if (status.ok()) {
      responder_.Finish(reply_, status, step_.tag());
    } else {
      spdlog::warn("failing the call: {}",
                   traceprop_examples::Printable(status.error_message()));
      responder_.FinishWithError(status, step_.tag());
    }
  }

  Shared* const shared_;
  State state_ = State::kReceiving;
  grpc::ServerContext ctx_;
  ForwardRequest request_;
  ForwardReply reply_;
  grpc::ServerAsyncResponseWriter<ForwardReply> responder_{&ctx_};
  // The one tag of this call: runs Proceed under ServerSpan(ctx_).
  traceprop::CqTag step_{&ctx_, [this](bool ok) { Proceed(ok); }};
  // The downstream call, when there is one.
  std::string next_;
  std::unique_ptr<grpc::ClientContext> client_ctx_;
  std::unique_ptr<grpc::ClientAsyncResponseReader<ForwardReply>> rpc_;
  ForwardReply downstream_reply_;
  grpc::Status downstream_status_;
};

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage("async_server --port N --threads N --name NAME");
  absl::ParseCommandLine(argc, argv);

  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  Shared shared;
  shared.name = absl::GetFlag(FLAGS_name);
  spdlog::set_default_logger(spdlog::stdout_color_mt(shared.name));
  spdlog::flush_on(spdlog::level::trace);
  if (!traceprop::logging::InstallSpdlog().ok()) return 1;

  // Spans: exported as the OTEL_* variables say (example_tracing.h); with
  // none set nothing is installed and nothing changes.
  std::shared_ptr<traceprop::TracerProvider> tracing =
      traceprop_examples::InstallTracing(shared.name);

  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(
      absl::StrCat("127.0.0.1:", absl::GetFlag(FLAGS_port)),
      grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&shared.service);
  shared.cq = builder.AddCompletionQueue();
  traceprop::EnableTracing(builder);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    spdlog::error("cannot listen on port {}", absl::GetFlag(FLAGS_port));
    return 1;
  }
  std::cout << "listening on 127.0.0.1:" << port << std::endl;

  new Call(&shared);  // the first call waiting to be accepted
  std::vector<std::thread> drainers;
  for (int i = 0; i < std::max(1, absl::GetFlag(FLAGS_threads)); ++i) {
    drainers.emplace_back([&shared, i] {
      drainer = absl::StrCat("cq-", i + 1);
      void* tag = nullptr;
      bool ok = false;
      while (shared.cq->Next(&tag, &ok)) traceprop::CqTag::Run(tag, ok);
    });
  }
  spdlog::info("{} serving traceprop.examples.Relay (async, {} threads)",
               shared.name, drainers.size());

  // Shutdown, in the order production services need:
  //  1. SIGTERM/SIGINT arrives (blocked in every thread, taken here);
  //  2. Shutdown(deadline) stops accepting calls at once and lets in-flight
  //     calls finish until the grace period ends, then cancels the rest;
  //     each cancelled call cancels its downstream call (FromServerContext),
  //     whose Finish tag then comes back at once. The drainers keep running
  //     all the while: every step still needs them;
  //  3. wait until every Call has run its last step and deleted itself: only
  //     then can nothing start another operation on the queue;
  //  4. shut the queue down, let the drainers empty it, join them;
  //  5. every span has ended with its call: flush them (export) within
  //     what is left of the grace period; exit 0.
  int sig = 0;
  sigwait(&stop_signals, &sig);
  const auto grace = std::chrono::milliseconds(absl::GetFlag(FLAGS_grace_ms));
  spdlog::info("signal {}: shutting down (grace {} ms)", sig, grace.count());
  const auto grace_end = std::chrono::system_clock::now() + grace;
  server->Shutdown(grace_end);
  // Cancelled calls finish within moments; the bound only guards against a
  // bug turning into a hang (the process then exits 1, never aborts).
  const bool drained =
      shared.WaitAllGone(std::chrono::steady_clock::now() + grace +
                         std::chrono::seconds(5));
  if (!drained) {  // never shut a queue down under a live call
    spdlog::error("calls still open after shutdown; exiting anyway");
    std::_Exit(1);
  }
  shared.cq->Shutdown();
  for (std::thread& t : drainers) t.join();
  traceprop_examples::FlushTracing(tracing, grace_end);
  spdlog::info("stopped");
  return 0;
}
