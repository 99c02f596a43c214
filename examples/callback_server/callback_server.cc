// callback_server — the callback (reactor) API: a unary Relay.Forward and a
// server-streaming Ticker.Watch.
//
//   callback_server --port 0 --name callback   # "listening on 127.0.0.1:PORT"
//
// Where the trace is current, and what the code does about it:
//  - the method handler (Forward, Watch) and a reactor's constructor run
//    inside the server interceptor's hook: the server span is current, no
//    code needed;
//  - reactor callbacks (OnWriteDone, OnDone, OnCancel) run later on gRPC
//    threads: each opens its scope with one line,
//      traceprop::ContextScope scope(traceprop::ServerSpan(*ctx_));
//  - a client callback (stub->async()->Forward(..., callback)) runs on a
//    gRPC thread too: traceprop::Wrap binds the handler's context to it.
// Deadlines and cancellation pass on to the next hop; every log line
// carries the trace and nothing the peer sent is logged unescaped. Stops on
// SIGINT/SIGTERM within --grace_ms.

#include <grpcpp/grpcpp.h>
#include <signal.h>

#include <chrono>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "spdlog/sinks/stdout_color_sinks.h"
#include "spdlog/spdlog.h"
#include "traceprop/context/current.h"
#include "traceprop/context/wrap.h"
#include "traceprop/examples/proto/relay.grpc.pb.h"
#include "traceprop/examples/proto/ticker.grpc.pb.h"
#include "traceprop/interceptors/tracing.h"
#include "traceprop/logging/spdlog_setup.h"

// Shared with the sync relay: metadata joining, route checks, Hop filling.
#include "../relay/example_tracing.h"
#include "../relay/relay_common.h"

ABSL_FLAG(int, port, 0, "port to listen on (127.0.0.1); 0 picks a free one");
ABSL_FLAG(std::string, name, "callback", "this hop's name (Hop.service)");
ABSL_FLAG(int, grace_ms, 2000,
          "on SIGTERM: how long in-flight calls may finish before they are "
          "cancelled (their downstream calls with them)");

namespace {

using traceprop::examples::ForwardReply;
using traceprop::examples::ForwardRequest;
using traceprop::examples::Relay;
using traceprop::examples::Tick;
using traceprop::examples::Ticker;
using traceprop::examples::WatchRequest;
using traceprop_examples::Hex;

class RelayService final : public Relay::CallbackService {
 public:
  explicit RelayService(std::string name) : name_(std::move(name)) {}

  grpc::ServerUnaryReactor* Forward(grpc::CallbackServerContext* ctx,
                                    const ForwardRequest* request,
                                    ForwardReply* reply) override {
    // The server span is current in the handler itself.
    grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
    auto* hop = reply->add_hops();
    hop->set_service(name_);
    hop->set_traceparent(
        traceprop_examples::JoinedMetadata(*ctx, "traceparent"));
    hop->set_tracestate(traceprop_examples::JoinedMetadata(*ctx, "tracestate"));
    traceprop_examples::FillSpan(traceprop::Current(), hop);
    spdlog::info("Forward received, route=[{}]",
                 traceprop_examples::PrintableRoute(request->route()));
    if (request->route().empty()) {
      reactor->Finish(grpc::Status::OK);
      return reactor;
    }
    absl::Status valid = traceprop_examples::ValidateRoute(*request);
    if (!valid.ok()) {
      reactor->Finish(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                                   absl::StrCat(name_, ": ", valid.message())));
      return reactor;
    }

    // The downstream call lives until its callback has run. Its deadline is
    // the incoming one, and cancelling the incoming call (the client, or
    // Shutdown's grace period running out) cancels it:
    // FromCallbackServerContext propagates both.
    struct Downstream {
      std::unique_ptr<grpc::ClientContext> ctx;
      ForwardRequest request;
      ForwardReply reply;
    };
    auto* call = new Downstream;
    const std::string next = request->route(0);
    call->request = traceprop_examples::DownstreamRequest(*request);
    call->ctx = grpc::ClientContext::FromCallbackServerContext(*ctx);
    traceprop_examples::CapDeadline(ctx->deadline(), call->ctx.get());
    // The call is created here, under the server span (the traced channel
    // sends a child of it). Its callback runs on a gRPC thread: Wrap makes
    // the server span current there too.
    spdlog::info("forwarding to {}", next);
    StubFor(next)->async()->Forward(
        call->ctx.get(), &call->request, &call->reply,
        traceprop::Wrap([this, call, reply, reactor, next](grpc::Status s) {
          spdlog::info("{} answered: {}", next,
                       s.ok() ? "OK"
                              : traceprop_examples::Printable(s.error_message()));
          grpc::Status status = grpc::Status::OK;
          if (s.ok()) {
            reply->mutable_hops()->MergeFrom(call->reply.hops());
          } else {
            status = grpc::Status(
                s.error_code(),
                absl::StrCat(name_, ": hop ", next, ": ", s.error_message()));
          }
          // Everything of the downstream call goes before Finish: once the
          // reactor is finished, Shutdown may return and main may exit.
          delete call;
          reactor->Finish(status);
        }));
    return reactor;
  }

 private:
  Relay::Stub* StubFor(const std::string& target) {
    std::lock_guard<std::mutex> lock(mu_);
    std::unique_ptr<Relay::Stub>& stub = stubs_[target];
    if (stub == nullptr) {
      stub = Relay::NewStub(traceprop::CreateTracedChannel(
          target, grpc::InsecureChannelCredentials()));
    }
    return stub.get();
  }

  const std::string name_;
  std::mutex mu_;
  std::map<std::string, std::unique_ptr<Relay::Stub>> stubs_;  // by mu_
};

// TickWriter streams the ticks of one Watch call. Created in the handler
// (server span current); OnWriteDone/OnDone/OnCancel open their own scope.
class TickWriter final : public grpc::ServerWriteReactor<Tick> {
 public:
  TickWriter(grpc::CallbackServerContext* ctx, int count)
      : ctx_(ctx), count_(count) {
    if (count < 1 || count > 100) {
      spdlog::warn("Watch: bad count {}", count);
      Finish(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                          absl::StrCat("count must be 1..100, got ", count)));
      return;
    }
    spdlog::info("Watch: streaming {} ticks", count);
    WriteNext("constructor");
  }

  void OnWriteDone(bool ok) override {
    traceprop::ContextScope scope(traceprop::ServerSpan(*ctx_));
    if (!ok) {
      spdlog::warn("Watch: write failed after {} ticks", sent_);
      Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE, "write failed"));
      return;
    }
    WriteNext("OnWriteDone");
  }

  void OnCancel() override {
    traceprop::ContextScope scope(traceprop::ServerSpan(*ctx_));
    spdlog::info("Watch: cancelled by the client");
  }

  void OnDone() override {
    {
      traceprop::ContextScope scope(traceprop::ServerSpan(*ctx_));
      spdlog::info("Watch: done after {} ticks", sent_);
    }
    delete this;
  }

 private:
  void WriteNext(const char* step) {
    if (sent_ == count_) {
      Finish(grpc::Status::OK);
      return;
    }
    const traceprop::TraceContext& current = traceprop::Current();
    tick_.set_seq(++sent_);
    tick_.set_step(step);
    tick_.set_trace_id(Hex(current.trace_id()));
    tick_.set_span_id(Hex(current.span_id()));
    spdlog::info("Watch: tick {} written from {}", sent_, step);
    StartWrite(&tick_);
  }

  grpc::CallbackServerContext* const ctx_;
  const int count_;
  int sent_ = 0;
  Tick tick_;
};

class TickerService final : public Ticker::CallbackService {
 public:
  grpc::ServerWriteReactor<Tick>* Watch(grpc::CallbackServerContext* ctx,
                                        const WatchRequest* request) override {
    return new TickWriter(ctx, request->count());
  }
};

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage("callback_server --port N --name NAME");
  absl::ParseCommandLine(argc, argv);
  const std::string name = absl::GetFlag(FLAGS_name);

  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  spdlog::set_default_logger(spdlog::stdout_color_mt(name));
  spdlog::flush_on(spdlog::level::trace);
  if (!traceprop::logging::InstallSpdlog().ok()) return 1;

  // Spans: exported as the OTEL_* variables say (example_tracing.h); with
  // none set nothing is installed and nothing changes.
  std::shared_ptr<traceprop::TracerProvider> tracing =
      traceprop_examples::InstallTracing(name);

  RelayService relay(name);
  TickerService ticker;
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(
      absl::StrCat("127.0.0.1:", absl::GetFlag(FLAGS_port)),
      grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&relay);
  builder.RegisterService(&ticker);
  traceprop::EnableTracing(builder);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    spdlog::error("cannot listen on port {}", absl::GetFlag(FLAGS_port));
    return 1;
  }
  std::cout << "listening on 127.0.0.1:" << port << std::endl;
  spdlog::info("{} serving Relay and Ticker (callback API)", name);

  // Shutdown, in the order production services need:
  //  1. SIGTERM/SIGINT arrives (blocked in every thread, taken here);
  //  2. Shutdown(deadline) stops accepting calls at once and lets in-flight
  //     calls finish until the grace period ends, then cancels the rest;
  //     each cancelled call cancels its downstream call, whose callback then
  //     runs at once and finishes the reactor;
  //  3. Shutdown returns when every reactor is done (OnDone ran), so every
  //     call's span has ended;
  //  4. flush the spans (export) within what is left of the grace period;
  //     exit 0.
  int sig = 0;
  sigwait(&stop_signals, &sig);
  const auto grace = std::chrono::milliseconds(absl::GetFlag(FLAGS_grace_ms));
  spdlog::info("signal {}: shutting down (grace {} ms)", sig, grace.count());
  const auto grace_end = std::chrono::system_clock::now() + grace;
  server->Shutdown(grace_end);
  traceprop_examples::FlushTracing(tracing, grace_end);
  spdlog::info("stopped");
  return 0;
}
