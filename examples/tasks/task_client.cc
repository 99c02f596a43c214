// task_client — enqueues one job on task_queue and waits for it, or drains
// the queue.
//
//   task_client --target 127.0.0.1:PORT --work "resize image" --mode continue
//   task_client --target 127.0.0.1:PORT --mode new --json
//   task_client --target 127.0.0.1:PORT --drain
//
// The client starts a trace (a root span "task_client job", recorded when
// tracing is on, current while it calls); the traced channel carries it to
// Enqueue, whose PRODUCER span goes into the job. Prints what the worker
// recorded about the job's trace. Spans are exported when OTEL_* variables
// ask for it (../relay/example_tracing.h), flushed before it exits.

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <iostream>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "google/protobuf/util/json_util.h"
#include "spdlog/sinks/stdout_color_sinks.h"
#include "spdlog/spdlog.h"
#include "traceprop/context/current.h"
#include "traceprop/examples/proto/tasks.grpc.pb.h"
#include "traceprop/interceptors/tracing.h"
#include "traceprop/logging/spdlog_setup.h"
#include "traceprop/spans/span.h"

// Printable: escapes text from the network before it is logged.
#include "../relay/example_tracing.h"
#include "../relay/relay_common.h"

ABSL_FLAG(std::string, target, "", "task_queue address host:port");
ABSL_FLAG(std::string, name, "task_client",
          "service.name of its spans (unless OTEL_SERVICE_NAME is set)");
ABSL_FLAG(std::string, work, "resize image", "the job's work");
ABSL_FLAG(std::string, mode, "continue", "continue | new");
ABSL_FLAG(bool, drain, false, "only wait until every queued job has run");
ABSL_FLAG(bool, json, false, "print JSON on stdout");
ABSL_FLAG(int, jobs, 0,
          "enqueue this many jobs (continue mode, --work_bytes of work "
          "each) one after the other, then drain; prints how many were "
          "queued");
ABSL_FLAG(int, work_bytes, 1024, "with --jobs: size of each job's work");
ABSL_FLAG(uint64_t, wait_id, 0,
          "only wait for job N and print its result (or why there is none)");

namespace {

using namespace traceprop::examples;  // NOLINT: example brevity

std::string ToJson(const google::protobuf::Message& m) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  std::string out;
  google::protobuf::util::MessageToJsonString(m, &out, options);
  return out;
}

grpc::Status Call(const std::string& what, grpc::Status status) {
  if (!status.ok()) {
    const std::string message =
        traceprop_examples::Printable(status.error_message(), 512);
    spdlog::error("{} failed: {}", what, message);
    std::cerr << "error: " << what << ": " << message << "\n";
  }
  return status;
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "task_client --target HOST:PORT [--work W] [--mode continue|new] "
      "[--json] | --drain");
  absl::ParseCommandLine(argc, argv);
  const std::string target = absl::GetFlag(FLAGS_target);
  const std::string mode_flag = absl::GetFlag(FLAGS_mode);
  if (target.empty() || (mode_flag != "continue" && mode_flag != "new")) {
    std::cerr << "task_client: --target and --mode continue|new required\n";
    return 2;
  }
  spdlog::set_default_logger(spdlog::stderr_color_mt("task-client"));
  if (!traceprop::logging::InstallSpdlog().ok()) return 1;
  // Spans: installed only when OTEL_* variables ask; flushed on every
  // return below (declared before the spans, so after they end).
  traceprop_examples::FlushAtExit flush(
      traceprop_examples::InstallTracing(absl::GetFlag(FLAGS_name)));

  Tasks::Stub stub(traceprop::CreateTracedChannel(
      target, grpc::InsecureChannelCredentials()));
  auto deadline = [] {
    return std::chrono::system_clock::now() + std::chrono::seconds(30);
  };

  if (absl::GetFlag(FLAGS_drain)) {
    grpc::ClientContext ctx;
    ctx.set_deadline(deadline());
    DrainReply reply;
    if (!Call("Drain", stub.Drain(&ctx, DrainRequest(), &reply)).ok()) return 1;
    std::cout << "drained: " << reply.completed() << " jobs run\n";
    return 0;
  }

  if (absl::GetFlag(FLAGS_wait_id) > 0) {
    grpc::ClientContext ctx;
    ctx.set_deadline(deadline());
    WaitRequest wait;
    wait.set_id(absl::GetFlag(FLAGS_wait_id));
    JobResult result;
    if (!Call("Wait", stub.Wait(&ctx, wait, &result)).ok()) return 1;
    std::cout << ToJson(result) << "\n";
    return 0;
  }

  if (absl::GetFlag(FLAGS_jobs) > 0) {
    EnqueueRequest request;
    request.set_work(std::string(std::max(0, absl::GetFlag(FLAGS_work_bytes)), 'w'));
    int queued = 0;
    for (int i = 0; i < absl::GetFlag(FLAGS_jobs); ++i) {
      traceprop::Span root("task_client job");  // each in a trace of its own
      grpc::ClientContext ctx;
      ctx.set_deadline(deadline());
      EnqueueReply reply;
      if (!Call("Enqueue", stub.Enqueue(&ctx, request, &reply)).ok()) break;
      ++queued;
    }
    grpc::ClientContext ctx;
    ctx.set_deadline(deadline());
    DrainReply drained;
    grpc::Status status = Call("Drain", stub.Drain(&ctx, DrainRequest(), &drained));
    std::cout << "queued: " << queued << " jobs; drained: " << drained.completed()
              << " jobs run\n";
    return queued == absl::GetFlag(FLAGS_jobs) && status.ok() ? 0 : 1;
  }

  traceprop::Span root("task_client job");  // a new trace: nothing is current
  EnqueueRequest request;
  request.set_work(absl::GetFlag(FLAGS_work));
  request.set_mode(mode_flag == "new" ? NEW_TRACE_WITH_ORIGIN : CONTINUE);
  EnqueueReply queued;
  {
    grpc::ClientContext ctx;
    ctx.set_deadline(deadline());
    if (!Call("Enqueue", stub.Enqueue(&ctx, request, &queued)).ok()) return 1;
  }
  spdlog::info("job {} queued under span {}", queued.id(),
               traceprop_examples::Printable(queued.span_id()));
  JobResult result;
  {
    grpc::ClientContext ctx;
    ctx.set_deadline(deadline());
    WaitRequest wait;
    wait.set_id(queued.id());
    if (!Call("Wait", stub.Wait(&ctx, wait, &result)).ok()) return 1;
  }
  spdlog::info("job {} ran on {} in trace {}", result.id(),
               traceprop_examples::Printable(result.worker()),
               traceprop_examples::Printable(result.trace_id()));
  const traceprop::TraceContext& me = root.context();
  if (absl::GetFlag(FLAGS_json)) {
    std::cout << "{\"client\":{\"trace_id\":\"" << me.trace_id().ToHex()
              << "\",\"span_id\":\"" << me.span_id().ToHex()
              << "\"},\"enqueue\":" << ToJson(queued)
              << ",\"result\":" << ToJson(result) << "}\n";
    return 0;
  }
  std::cout << "client   trace " << me.trace_id().ToHex() << "  span "
            << me.span_id().ToHex() << "\n"
            << "enqueue  trace " << queued.trace_id() << "  span "
            << queued.span_id() << "  (job " << queued.id() << ")\n"
            << "worker   trace " << result.trace_id() << "  span "
            << result.span_id() << "  parent "
            << (result.parent_span_id().empty() ? "-" : result.parent_span_id())
            << "  on " << result.worker() << "\n";
  if (!result.origin_trace_id().empty()) {
    std::cout << "         origin trace " << result.origin_trace_id()
              << "  span " << result.origin_span_id() << "\n";
  }
  return 0;
}
