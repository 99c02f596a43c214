// ticker_client — calls Ticker.Watch on callback_server and prints the
// ticks (JSON with --json), each saying which trace the server step that
// wrote it ran under.
//
//   ticker_client --target 127.0.0.1:PORT --count 5

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <iostream>
#include <memory>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"
#include "spdlog/sinks/stdout_color_sinks.h"
#include "spdlog/spdlog.h"
#include "traceprop/context/current.h"
#include "traceprop/examples/proto/ticker.grpc.pb.h"
#include "traceprop/interceptors/tracing.h"
#include "traceprop/logging/spdlog_setup.h"

ABSL_FLAG(std::string, target, "", "callback_server address host:port");
ABSL_FLAG(int, count, 3, "ticks to ask for");
ABSL_FLAG(bool, json, false, "print JSON on stdout");

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage("ticker_client --target HOST:PORT --count N");
  absl::ParseCommandLine(argc, argv);
  if (absl::GetFlag(FLAGS_target).empty()) {
    std::cerr << "ticker_client: --target is required\n";
    return 2;
  }
  spdlog::set_default_logger(spdlog::stderr_color_mt("ticker-client"));
  if (!traceprop::logging::InstallSpdlog().ok()) return 1;

  auto stub =
      traceprop::examples::Ticker::NewStub(traceprop::CreateTracedChannel(
          absl::GetFlag(FLAGS_target), grpc::InsecureChannelCredentials()));
  traceprop::SpanScope root;  // a new trace for this call
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  traceprop::examples::WatchRequest request;
  request.set_count(absl::GetFlag(FLAGS_count));
  std::unique_ptr<grpc::ClientReader<traceprop::examples::Tick>> reader =
      stub->Watch(&ctx, request);

  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  std::string ticks;
  traceprop::examples::Tick tick;
  while (reader->Read(&tick)) {
    spdlog::info("tick {} from server step {}", tick.seq(), tick.step());
    std::string json;
    google::protobuf::util::MessageToJsonString(tick, &json, options);
    absl::StrAppend(&ticks, ticks.empty() ? "" : ",", json);
    if (!absl::GetFlag(FLAGS_json)) {
      std::cout << "tick " << tick.seq() << "  step " << tick.step()
                << "  trace " << tick.trace_id() << "  span " << tick.span_id()
                << "\n";
    }
  }
  grpc::Status status = reader->Finish();
  if (!status.ok()) {
    std::cerr << "error: " << status.error_message() << "\n";
    return 1;
  }
  if (absl::GetFlag(FLAGS_json)) {
    std::cout << "{\"client\":{\"trace_id\":\""
              << root.context().trace_id().ToHex() << "\",\"span_id\":\""
              << root.context().span_id().ToHex() << "\"},\"ticks\":[" << ticks
              << "]}\n";
  }
  return 0;
}
