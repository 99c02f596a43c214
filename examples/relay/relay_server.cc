// relay_server — one hop of a relay chain (examples/proto/relay.proto).
//
//   relay_server --port 0 --name relay-a      # prints "listening on
//   127.0.0.1:PORT"
//
// Forward reports the trace context this hop received and the server span
// it ran under, then calls the next hop of the route through a traced
// channel. The handler contains no tracing code: traceprop::EnableTracing
// makes the server span current while it runs, and CreateTracedChannel
// sends a child of it to the next hop. Every log line carries the trace.
//
// Deadlines and cancellation pass on to the next hop; nothing the peer sent
// is logged unescaped. Stops cleanly on SIGINT/SIGTERM within --grace_ms.

#include <grpcpp/grpcpp.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "example_tracing.h"
#include "relay_common.h"
#include "spdlog/sinks/stdout_color_sinks.h"
#include "spdlog/spdlog.h"
#include "traceprop/context/current.h"
#include "traceprop/examples/proto/relay.grpc.pb.h"
#include "traceprop/examples/proto/tasks.grpc.pb.h"
#include "traceprop/interceptors/tracing.h"
#include "traceprop/logging/spdlog_setup.h"

ABSL_FLAG(int, port, 0, "port to listen on (127.0.0.1); 0 picks a free one");
ABSL_FLAG(std::string, name, "relay",
          "this hop's name, reported in Hop.service");
ABSL_FLAG(std::string, host, "127.0.0.1", "address to listen on");
ABSL_FLAG(std::string, enqueue_to, "",
          "task_queue address: every Forward also queues a background job "
          "there, in the same trace");
ABSL_FLAG(int, grace_ms, 2000,
          "on SIGTERM: how long in-flight calls may finish before they are "
          "cancelled (their downstream calls with them)");

namespace {

using traceprop::examples::ForwardReply;
using traceprop::examples::ForwardRequest;
using traceprop::examples::Hop;
using traceprop::examples::Relay;

class RelayService final : public Relay::Service {
 public:
  RelayService(std::string name, const std::string& enqueue_to)
      : name_(std::move(name)) {
    if (!enqueue_to.empty()) {
      tasks_ =
          traceprop::examples::Tasks::NewStub(traceprop::CreateTracedChannel(
              enqueue_to, grpc::InsecureChannelCredentials()));
    }
  }

  grpc::Status Forward(grpc::ServerContext* ctx, const ForwardRequest* request,
                       ForwardReply* reply) override {
    // The server span is current here: traceprop::EnableTracing did it.
    Hop* hop = reply->add_hops();
    hop->set_service(name_);
    hop->set_traceparent(
        traceprop_examples::JoinedMetadata(*ctx, "traceparent"));
    hop->set_tracestate(traceprop_examples::JoinedMetadata(*ctx, "tracestate"));
    traceprop_examples::FillSpan(traceprop::Current(), hop);
    // Nothing the peer sent goes into the log unescaped: the ids on the line
    // are the parsed ones, the payload and route are Printable().
    spdlog::info("Forward from {} payload='{}' route=[{}]", ctx->peer(),
                 traceprop_examples::Printable(request->payload()),
                 traceprop_examples::PrintableRoute(request->route()));

    if (tasks_ != nullptr) {
      grpc::Status queued = EnqueueFollowUp(*ctx, request->payload());
      if (!queued.ok()) return queued;
    }
    if (request->route().empty()) return Hold(*ctx, request->hold_ms());
    absl::Status valid = traceprop_examples::ValidateRoute(*request);
    if (!valid.ok()) {
      spdlog::warn("bad request: {}", std::string(valid.message()));
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                          absl::StrCat(name_, ": ", valid.message()));
    }

    const std::string& next = request->route(0);
    // The incoming deadline bounds the downstream call and cancelling the
    // incoming call (by the client, or by Shutdown's grace period running
    // out) cancels it: FromServerContext propagates both.
    std::unique_ptr<grpc::ClientContext> call =
        grpc::ClientContext::FromServerContext(*ctx);
    traceprop_examples::CapDeadline(ctx->deadline(), call.get());

    ForwardReply downstream_reply;
    spdlog::info("forwarding to {}", next);
    grpc::Status status =
        StubFor(next)->Forward(call.get(),
                               traceprop_examples::DownstreamRequest(*request),
                               &downstream_reply);
    if (!status.ok()) {
      spdlog::warn("hop {} failed: {}: {}", next,
                   traceprop_examples::StatusCodeName(status.error_code()),
                   traceprop_examples::Printable(status.error_message()));
      return grpc::Status(
          status.error_code(),
          absl::StrCat(name_, ": hop ", next, ": ", status.error_message()));
    }
    reply->mutable_hops()->MergeFrom(downstream_reply.hops());
    spdlog::info("replying with {} hops", reply->hops_size());
    return grpc::Status::OK;
  }

 private:
  // Hold is the last hop's reply: after `hold_ms` (at most 60 s), or as soon
  // as the call is cancelled or its deadline passes. The sync API has no
  // cancellation callback, so it checks ctx.IsCancelled() every 5 ms.
  grpc::Status Hold(const grpc::ServerContext& ctx, int hold_ms) {
    if (hold_ms <= 0) {
      spdlog::info("last hop: replying");
      return grpc::Status::OK;
    }
    const auto start = std::chrono::steady_clock::now();
    const auto until = start + std::chrono::milliseconds(std::min(hold_ms, 60000));
    bool cancelled = false;
    while (std::chrono::steady_clock::now() < until) {
      if (ctx.IsCancelled()) {
        cancelled = true;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    const auto held = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - start);
    spdlog::info("held {} ms: {}", held.count(),
                 cancelled ? "cancelled" : "replying");
    return cancelled ? grpc::Status::CANCELLED : grpc::Status::OK;
  }

  // EnqueueFollowUp queues background work for this request; the traced
  // channel carries the server span to the queue, which keeps it in the job.
  grpc::Status EnqueueFollowUp(const grpc::ServerContext& ctx,
                               const std::string& payload) {
    grpc::ClientContext call;
    call.set_deadline(
        std::min(ctx.deadline(),
                 std::chrono::system_clock::now() + std::chrono::seconds(5)));
    traceprop::examples::EnqueueRequest job;
    job.set_work(absl::StrCat("follow-up of '",
                              traceprop_examples::Printable(payload, 64),
                              "' from ", name_));
    job.set_mode(traceprop::examples::CONTINUE);
    traceprop::examples::EnqueueReply queued;
    grpc::Status status = tasks_->Enqueue(&call, job, &queued);
    if (!status.ok()) {
      spdlog::warn("enqueue failed: {}",
                   traceprop_examples::Printable(status.error_message()));
      return grpc::Status(
          status.error_code(),
          absl::StrCat(name_, ": task queue: ", status.error_message()));
    }
    spdlog::info("queued background job {}", queued.id());
    return grpc::Status::OK;
  }

  // StubFor returns a stub on a traced channel to `target`, created once.
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
  std::unique_ptr<traceprop::examples::Tasks::Stub> tasks_;  // may be null
  std::mutex mu_;
  std::map<std::string, std::unique_ptr<Relay::Stub>> stubs_;  // by mu_
};

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage("relay_server --port N --name NAME");
  absl::ParseCommandLine(argc, argv);
  const std::string name = absl::GetFlag(FLAGS_name);

  // Every thread started from here on inherits the blocked signals; one
  // thread waits for them and shuts the server down.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  // One call: every spdlog line now carries [trace_id] [span_id].
  spdlog::set_default_logger(spdlog::stdout_color_mt(name));
  spdlog::flush_on(spdlog::level::trace);
  absl::Status logging = traceprop::logging::InstallSpdlog();
  if (!logging.ok()) {
    std::cerr << "InstallSpdlog: " << logging << "\n";
    return 1;
  }

  // Spans: exported as the OTEL_* variables say (example_tracing.h); with
  // none set nothing is installed and nothing changes.
  std::shared_ptr<traceprop::TracerProvider> tracing =
      traceprop_examples::InstallTracing(name);

  RelayService service(name, absl::GetFlag(FLAGS_enqueue_to));
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(
      absl::StrCat(absl::GetFlag(FLAGS_host), ":", absl::GetFlag(FLAGS_port)),
      grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&service);
  traceprop::EnableTracing(builder);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    spdlog::error("cannot listen on {}:{}", absl::GetFlag(FLAGS_host),
                  absl::GetFlag(FLAGS_port));
    return 1;
  }
  // Scripts wait for this exact line to learn the port.
  std::cout << "listening on " << absl::GetFlag(FLAGS_host) << ":" << port
            << std::endl;
  spdlog::info("{} serving traceprop.examples.Relay", name);

  // Shutdown, in the order production services need:
  //  1. SIGTERM/SIGINT arrives (blocked in every thread, taken here);
  //  2. Shutdown(deadline) stops accepting calls at once and lets in-flight
  //     calls finish until the grace period ends, then cancels the rest;
  //     each cancelled call cancels its downstream call (FromServerContext),
  //     so handlers blocked on a next hop return at once;
  //  3. Wait() returns when every handler has returned, so every call's
  //     span has ended;
  //  4. flush the spans (export) within what is left of the grace period;
  //     main exits 0.
  std::chrono::system_clock::time_point grace_end;  // set before Wait returns
  std::thread stopper([&] {
    int sig = 0;
    sigwait(&stop_signals, &sig);
    spdlog::info("signal {}: shutting down (grace {} ms)", sig,
                 absl::GetFlag(FLAGS_grace_ms));
    grace_end = std::chrono::system_clock::now() +
                std::chrono::milliseconds(absl::GetFlag(FLAGS_grace_ms));
    server->Shutdown(grace_end);
  });
  server->Wait();
  stopper.join();  // grace_end is read after the join
  traceprop_examples::FlushTracing(tracing, grace_end);
  spdlog::info("stopped");
  return 0;
}
