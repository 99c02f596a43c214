// relay_client — sends one Forward along a route of relay hops and prints
// the hops as a tree (or JSON with --json).
//
//   relay_client --route 127.0.0.1:5001,127.0.0.1:5002,127.0.0.1:5003
//
// By default the client starts a new trace (a root span "relay_client
// request", current while it calls; recorded, with the call's status, when
// tracing is on) and the traced channel sends a child of it. Spans are
// exported when OTEL_* variables ask for it (example_tracing.h) and flushed
// before it exits. With --traceparent
// and/or --tracestate it instead behaves like a foreign peer: it puts
// exactly those values on the ClientContext metadata and starts no trace
// (ClientOptions::start_root_when_no_context = false leaves them alone),
// which is how scripts feed hand-written or malformed headers to a relay.
// --traceparent takes a comma-separated list: one metadata value each.
// --baggage 'k=v,...' makes those members current baggage for the call:
// parsed and re-formatted by traceprop (W3C Baggage), not sent verbatim.
//
// --concurrent N sends N calls at once (each in a trace of its own) and
// prints how they ended ("N calls: OK=n CANCELLED=n ..."), for load and
// shutdown tests. What the hops received is printed escaped: it came from
// the network.
//
// Exit status: 0 on success, 1 when an RPC fails (the status is printed on
// stderr), 2 on bad usage.

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <iostream>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/util/json_util.h"
#include "example_tracing.h"
#include "relay_common.h"
#include "spdlog/sinks/stdout_color_sinks.h"
#include "spdlog/spdlog.h"
#include "traceprop/context/current.h"
#include "traceprop/examples/proto/relay.grpc.pb.h"
#include "traceprop/interceptors/tracing.h"
#include "traceprop/logging/spdlog_setup.h"
#include "traceprop/spans/span.h"

ABSL_FLAG(std::string, route, "",
          "comma-separated host:port hops; the first is called directly");
ABSL_FLAG(std::string, name, "relay_client",
          "service.name of its spans (unless OTEL_SERVICE_NAME is set)");
ABSL_FLAG(std::string, payload, "hello", "payload carried along the route");
ABSL_FLAG(std::vector<std::string>, traceparent, {},
          "send these traceparent values verbatim (one metadata entry each) "
          "instead of starting a trace");
ABSL_FLAG(std::string, tracestate, "",
          "send this tracestate value verbatim (implies no trace of our own)");
ABSL_FLAG(bool, unsampled, false, "start the trace with sampled=0");
ABSL_FLAG(std::string, baggage, "",
          "a W3C baggage header value: its members are current (a "
          "BaggageScope) while the client calls, so traceprop re-formats "
          "and sends them in the formats OTEL_PROPAGATORS names");
ABSL_FLAG(bool, json, false, "print the reply as JSON on stdout");
ABSL_FLAG(int, deadline_ms, 10000, "deadline of the call");
ABSL_FLAG(int, hold_ms, 0,
          "ask the last hop (a relay_server) to wait this long before it "
          "replies");
ABSL_FLAG(int, concurrent, 1,
          "send this many calls at once (each in its own trace) and print "
          "how they ended instead of the hops");

namespace {

using traceprop::examples::ForwardReply;
using traceprop::examples::ForwardRequest;
using traceprop::examples::Hop;
using traceprop::examples::Relay;

std::string Short(const std::string& hex) { return hex.empty() ? "-" : hex; }

// PrintTree prints each hop indented under the one that called it.
void PrintTree(const traceprop::TraceContext& root, const ForwardReply& reply) {
  if (root.IsValid()) {
    std::cout << "client  trace " << root.trace_id().ToHex() << "  span "
              << root.span_id().ToHex() << "\n";
  } else {
    std::cout << "client  (headers given on the command line)\n";
  }
  std::string indent = "";
  for (const Hop& hop : reply.hops()) {
    std::cout << indent << "└─ " << hop.service() << "  trace "
              << Short(hop.trace_id()) << "  span " << Short(hop.span_id())
              << "  parent " << Short(hop.parent_span_id())
              << (hop.sampled() ? "  sampled" : "  not sampled") << "\n";
    std::cout << indent << "   received traceparent: "
              << (hop.traceparent().empty()
                      ? "(none)"
                      : traceprop_examples::Printable(hop.traceparent(), 512))
              << "\n";
    if (!hop.tracestate().empty()) {
      std::cout << indent << "   received tracestate:  "
                << traceprop_examples::Printable(hop.tracestate(), 512) << "\n";
    }
    indent += "   ";
  }
}

void PrintJson(const traceprop::TraceContext& root, const ForwardReply& reply) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  std::string hops;
  google::protobuf::util::MessageToJsonString(reply, &hops, options);
  // {"client":{...},"hops":[...]}: the reply's fields follow the client's.
  std::cout << "{\"client\":{\"trace_id\":\""
            << (root.IsValid() ? root.trace_id().ToHex() : "")
            << "\",\"span_id\":\""
            << (root.IsValid() ? root.span_id().ToHex() : "") << "\"},"
            << hops.substr(1) << "\n";
}

// SendConcurrently sends `n` copies of `request` at once, each under a new
// root trace, waits for all of them and prints how many ended with which
// status code. Returns the process exit status.
// StartRoot starts the root span of one request: a new trace (whatever is
// current), sampled unless the sampler says otherwise.
traceprop::RecordingSpan StartRoot() {
  traceprop::SpanStartOptions options;
  options.parent = traceprop::TraceContext();  // invalid: a new trace
  return traceprop::StartSpan("relay_client request", std::move(options));
}

// EndRoot ends a root span with the call's status (the message came from
// the network: Printable).
void EndRoot(traceprop::RecordingSpan* span, const grpc::Status& status) {
  span->SetAttribute("rpc.grpc.status_code",
                     static_cast<int64_t>(status.error_code()));
  if (!status.ok()) {
    span->SetStatus(traceprop::StatusCode::kError,
                    traceprop_examples::Printable(status.error_message(), 256));
  }
  span->End();
}

int SendConcurrently(Relay::Stub* stub, const ForwardRequest& request, int n,
                     std::chrono::milliseconds deadline) {
  struct Call {
    grpc::ClientContext ctx;
    ForwardReply reply;
    traceprop::RecordingSpan span;  // the call's root; ends in its callback
  };
  std::vector<std::unique_ptr<Call>> calls;
  std::mutex mu;
  std::condition_variable all_done;
  std::map<std::string, int> codes;  // by mu
  int done = 0;                      // by mu
  for (int i = 0; i < n; ++i) {
    calls.push_back(std::make_unique<Call>());
    Call* call = calls.back().get();
    call->ctx.set_deadline(std::chrono::system_clock::now() + deadline);
    call->span = StartRoot();
    traceprop::ContextScope scope(call->span.context());
    stub->async()->Forward(&call->ctx, &request, &call->reply,
                           [&, call](grpc::Status status) {
                             EndRoot(&call->span, status);
                             std::lock_guard<std::mutex> lock(mu);
                             ++codes[traceprop_examples::StatusCodeName(
                                 status.error_code())];
                             if (++done == n) all_done.notify_all();
                           });
  }
  std::unique_lock<std::mutex> lock(mu);
  all_done.wait(lock, [&] { return done == n; });
  std::cout << n << " calls:";
  for (const auto& [code, count] : codes) std::cout << " " << code << "=" << count;
  std::cout << std::endl;
  return codes["OK"] == n ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "relay_client --route HOST:PORT[,HOST:PORT...] [--json] "
      "[--traceparent V] [--tracestate V]");
  absl::ParseCommandLine(argc, argv);
  std::vector<std::string> route =
      absl::StrSplit(absl::GetFlag(FLAGS_route), ',', absl::SkipEmpty());
  if (route.empty()) {
    std::cerr << "relay_client: --route is required\n";
    return 2;
  }
  const std::vector<std::string> traceparents =
      absl::GetFlag(FLAGS_traceparent);
  const std::string tracestate = absl::GetFlag(FLAGS_tracestate);
  const bool raw_headers = !traceparents.empty() || !tracestate.empty();

  // Logs go to stderr so that stdout holds only the result.
  spdlog::set_default_logger(spdlog::stderr_color_mt("client"));
  if (!traceprop::logging::InstallSpdlog().ok()) return 1;
  // Spans: installed only when OTEL_* variables ask; flushed on every
  // return below (declared before the spans, so after they end).
  traceprop_examples::FlushAtExit flush(
      traceprop_examples::InstallTracing(absl::GetFlag(FLAGS_name)));

  traceprop::ClientOptions options;
  options.start_root_when_no_context = false;  // raw headers pass untouched
  Relay::Stub stub(traceprop::CreateTracedChannel(
      route[0], grpc::InsecureChannelCredentials(), grpc::ChannelArguments(),
      options));

  ForwardRequest request;
  for (size_t i = 1; i < route.size(); ++i) request.add_route(route[i]);
  request.set_payload(absl::GetFlag(FLAGS_payload));
  request.set_hold_ms(absl::GetFlag(FLAGS_hold_ms));
  const auto deadline = std::chrono::milliseconds(absl::GetFlag(FLAGS_deadline_ms));
  if (absl::GetFlag(FLAGS_concurrent) > 1) {
    return SendConcurrently(&stub, request, absl::GetFlag(FLAGS_concurrent),
                            deadline);
  }

  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + deadline);
  for (const std::string& tp : traceparents) ctx.AddMetadata("traceparent", tp);
  if (!tracestate.empty()) ctx.AddMetadata("tracestate", tracestate);

  // Our own trace: a root span around the whole request, current while we
  // call, so the traced channel sends a child of it. None with raw headers;
  // --unsampled: a root context with sampled=0 (nothing recorded anywhere).
  traceprop::RecordingSpan root;
  traceprop::TraceContext root_context;
  if (!raw_headers && absl::GetFlag(FLAGS_unsampled)) {
    root_context = traceprop::TraceContext::NewRoot(/*sampled=*/false);
  } else if (!raw_headers) {
    root = StartRoot();
    root.SetAttribute("relay.hops", static_cast<int64_t>(route.size()));
    root_context = root.context();
  }
  traceprop::ContextScope scope(root_context);
  const std::string baggage_header = absl::GetFlag(FLAGS_baggage);
  traceprop::BaggageScope baggage(
      traceprop::Baggage::Parse({absl::string_view(baggage_header)}));

  spdlog::info("calling {} with route [{}]", route[0],
               absl::StrJoin(request.route(), ","));
  ForwardReply reply;
  grpc::Status status = stub.Forward(&ctx, request, &reply);
  EndRoot(&root, status);  // the request is done; printing is not part of it
  if (!status.ok()) {
    const std::string message =
        traceprop_examples::Printable(status.error_message(), 512);
    spdlog::error("Forward failed: {}", message);
    std::cerr << "error: "
              << traceprop_examples::StatusCodeName(status.error_code()) << ": "
              << message << "\n";
    return 1;
  }
  spdlog::info("{} hops answered", reply.hops_size());
  if (absl::GetFlag(FLAGS_json)) {
    PrintJson(root_context, reply);
  } else {
    PrintTree(root_context, reply);
  }
  return 0;
}
