// The usage examples of the public headers, verbatim: each region below is
// checked against the header comment that names it ("Example (compiled in
// tests/snippets/header_examples.cc, "<region>")") by check_snippets.py,
// and compiled with -Werror here and in tests/consumer. main() runs the
// logging examples and checks their output; the gRPC ones are compiled only
// (quickstart.cc and callbacks.cc run the same calls).
#include <grpcpp/grpcpp.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <functional>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <utility>

#include "absl/strings/string_view.h"
#include "greeter.grpc.pb.h"
#include "traceprop/context/current.h"
#include "traceprop/context/wrap.h"
#include "traceprop/interceptors/tracing.h"
#include "traceprop/logging/grpc_log_hook.h"
#include "traceprop/logging/grpc_to_spdlog.h"
#include "traceprop/logging/log_fields.h"
#include "traceprop/logging/spdlog_setup.h"

namespace {

// traceprop/logging/log_fields.h
void LogPatternExample(std::string& line) {
  // [START log_pattern]
  // At start-up (LogPattern::Default() is "[{trace_id}] [{span_id}]"):
  static const auto pattern = *traceprop::logging::LogPattern::Parse(
      "trace={trace_id} span={span_id}");
  // In the logger's formatter, per line (no allocation once `line` has room):
  pattern.AppendTo(traceprop::Current(), line);  // "trace=4bf9… span=00f0…"
  // With no active trace: "trace=- span=-".
  // [END log_pattern]
}

struct KeyValueLogger {
  void With(absl::string_view key, absl::string_view value) {
    out << key << "=" << value;
  }
  std::ostringstream out;
};

void LogFieldsExample(KeyValueLogger& my_logger) {
  // [START log_fields]
  auto f = traceprop::logging::LogFields::Current();
  if (f.has_trace()) my_logger.With("trace_id", f.trace_id());
  // [END log_fields]
}

// traceprop/logging/spdlog_setup.h
void SpdlogSetupExample() {
  // [START spdlog_setup]
  traceprop::logging::InstallSpdlog().IgnoreError();  // defaults: no error
  traceprop::SpanScope span;  // a new root span, current in this scope
  spdlog::info("handling order {}", 42);
  // "[2026-11-27 09:13:08.123] [info] [4bf9…] [00f0…] handling order 42"
  // [END spdlog_setup]
}

void SetPatternExample() {
  // [START set_pattern]
  // Not spdlog::set_pattern("..."): that would drop the ids.
  traceprop::logging::SetPattern("%H:%M:%S %l %& %v").IgnoreError();
  // "09:13:08 info [4bf9…] [00f0…] handling order 42"
  // [END set_pattern]
}

// traceprop/logging/grpc_log_hook.h
int GrpcLogHookExample() {
  // [START grpc_log_hook]
  if (!traceprop::logging::InstallGrpcLogHook().ok()) return 1;
  // stderr: "E1127 09:13:08.123456789  4242 chttp2_server.cc:1053]
  //          [4bf9…] [00f0…] No address added out of total 1 resolved"
  // [END grpc_log_hook]
  return 0;
}

// traceprop/logging/grpc_log_hook.h and grpc_to_spdlog.h
int GrpcToSpdlogExample() {
  // [START grpc_to_spdlog]
  if (!traceprop::logging::InstallSpdlog().ok()) return 1;
  traceprop::logging::GrpcLogHookOptions options;
  options.sink =
      traceprop::logging::SpdlogGrpcLogSink(spdlog::default_logger());
  if (!traceprop::logging::InstallGrpcLogHook(options).ok()) return 1;
  // "[…] [error] [4bf9…] [00f0…] chttp2_server.cc:1053 No address added…"
  // [END grpc_to_spdlog]
  return 0;
}

int failures = 0;

void Check(bool ok, const std::string& what) {
  std::cout << (ok ? "ok:   " : "FAIL: ") << what << "\n";
  if (!ok) ++failures;
}

}  // namespace

// Compiled only (external linkage, so unused is fine).
namespace header_examples {

// traceprop/interceptors/tracing.h (compiled only)
std::unique_ptr<grpc::Server> TracingServerExample(
    const std::string& address, greeter::Greeter::Service& service) {
  // [START tracing_server]
  grpc::ServerBuilder builder;
  builder.AddListeningPort(address, grpc::InsecureServerCredentials());
  builder.RegisterService(&service);
  traceprop::EnableTracing(builder);  // before BuildAndStart()
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  // [END tracing_server]
  return server;
}

traceprop::ServerHeaderStats HeaderCountersExample(
    grpc::ServerBuilder& builder) {
  // [START header_counters]
  traceprop::ServerOptions options;
  options.header_counters =
      std::make_shared<traceprop::ServerHeaderCounters>();
  traceprop::EnableTracing(builder, options);
  // ... serve; then, e.g. on a status page:
  traceprop::ServerHeaderStats stats = options.header_counters->Snapshot();
  // [END header_counters]
  return stats;
}

void TracingClientExample(const std::string& target,
                          grpc::ClientContext& context,
                          const greeter::HelloRequest& request,
                          greeter::HelloReply& reply,
                          const std::function<void(grpc::Status)>& done) {
  // [START tracing_client]
  auto channel = traceprop::CreateTracedChannel(
      target, grpc::InsecureChannelCredentials());
  auto stub = greeter::Greeter::NewStub(channel);  // calls carry the trace
  // Callbacks run on gRPC threads: Wrap runs them in the caller's trace.
  stub->async()->SayHello(
      &context, &request, &reply,
      traceprop::Wrap([&](grpc::Status status) { done(status); }));
  // [END tracing_client]
}

}  // namespace header_examples

int main() {
  std::string line;
  LogPatternExample(line);
  Check(line == "trace=- span=-", "log_pattern without a trace: " + line);
  const traceprop::TraceContext root = traceprop::TraceContext::NewRoot();
  {
    traceprop::ContextScope scope(root);
    line.clear();
    LogPatternExample(line);
    KeyValueLogger logger;
    LogFieldsExample(logger);
    Check(line == "trace=" + root.trace_id().ToHex() +
                      " span=" + root.span_id().ToHex(),
          "log_pattern with a trace: " + line);
    Check(logger.out.str() == "trace_id=" + root.trace_id().ToHex(),
          "log_fields: " + logger.out.str());
  }

  std::ostringstream out;
  spdlog::set_default_logger(std::make_shared<spdlog::logger>(
      "", std::make_shared<spdlog::sinks::ostream_sink_mt>(out)));
  SpdlogSetupExample();
  Check(out.str().find("] [info] [") != std::string::npos &&
            out.str().find("] handling order 42") != std::string::npos &&
            out.str().find("[-]") == std::string::npos,
        "spdlog_setup: " + out.str());
  out.str("");
  SetPatternExample();
  {
    traceprop::ContextScope scope(root);
    spdlog::info("handling order {}", 42);
  }
  Check(out.str().find(" info [" + root.trace_id().ToHex() + "] [") == 8,
        "set_pattern: " + out.str());

  Check(GrpcLogHookExample() == 0, "grpc_log_hook installs");
  Check(GrpcToSpdlogExample() == 0, "grpc_to_spdlog installs");
  return failures == 0 ? 0 : 1;
}
