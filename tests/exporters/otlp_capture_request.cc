// otlp_capture_request OUT_FILE: runs the real OtlpGrpcExporter (gzip on,
// as by default) against a capturing receiver — a generic gRPC service
// that stores the raw ExportTraceServiceRequest bytes it gets and answers
// an empty (valid) response — and writes those bytes to OUT_FILE. The
// batch is a fixed pair of spans setting every field the exporter writes;
// tests/otlp_decode/decode.test.js decodes the file with OpenTelemetry's
// own generated protobuf definitions and checks each value.

#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/grpcpp.h>

#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "traceprop/exporters/otlp_grpc_exporter.h"
#include "traceprop/spans/span_data.h"

namespace {

using traceprop::Attribute;
using traceprop::SpanData;

// Captures the first request's bytes; answers every call with "" (an empty
// ExportTraceServiceResponse).
class Capture final : public grpc::CallbackGenericService {
 public:
  grpc::ServerGenericBidiReactor* CreateReactor(
      grpc::GenericCallbackServerContext* ctx) override {
    return new Reactor(this, ctx->method());
  }
  std::string method;
  std::string bytes;
  bool got = false;
  std::mutex mu;

 private:
  class Reactor final : public grpc::ServerGenericBidiReactor {
   public:
    Reactor(Capture* owner, std::string method)
        : owner_(owner), method_(std::move(method)) {
      StartRead(&request_);
    }
    void OnReadDone(bool ok) override {
      if (!ok) {
        Finish(grpc::Status(grpc::StatusCode::INTERNAL, "no request"));
        return;
      }
      std::vector<grpc::Slice> slices;
      std::string bytes;
      if (request_.Dump(&slices).ok()) {
        for (const grpc::Slice& s : slices)
          bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
      }
      {
        std::lock_guard<std::mutex> lock(owner_->mu);
        if (!owner_->got) {
          owner_->got = true;
          owner_->method = method_;
          owner_->bytes = std::move(bytes);
        }
      }
      grpc::Slice empty("");
      response_ = grpc::ByteBuffer(&empty, 1);
      StartWriteAndFinish(&response_, grpc::WriteOptions(), grpc::Status::OK);
    }
    void OnDone() override { delete this; }

   private:
    Capture* const owner_;
    const std::string method_;
    grpc::ByteBuffer request_;
    grpc::ByteBuffer response_;
  };
};

std::vector<std::unique_ptr<SpanData>> Batch() {
  using traceprop::SpanId;
  using traceprop::TraceContext;
  using traceprop::TraceId;
  std::vector<std::unique_ptr<SpanData>> batch;
  // A SERVER span with everything: remote parent, tracestate, attributes of
  // each value type, two events, a link, an error status, dropped counts.
  auto s = std::make_unique<SpanData>();
  s->trace_id = *TraceId::FromHex("0af7651916cd43dd8448eb211c80319c");
  s->span_id = *SpanId::FromHex("b7ad6b7169203331");
  s->parent_span_id = *SpanId::FromHex("00f067aa0ba902b7");
  s->parent_is_remote = true;
  s->flags = traceprop::TraceFlags(0x03);  // sampled, random
  s->trace_state = "ot=th:8,k=v";
  s->name = "tpecho.Echo/Unary";
  s->kind = traceprop::SpanKind::kServer;
  s->start_unix_nano = 1700000000000000000u;
  s->end_unix_nano = 1700000000123456789u;
  s->status = traceprop::StatusCode::kError;
  s->status_message = "boom \xc3\xa9";  // "boom é"
  s->attributes = {
      {"rpc.system", std::string("grpc")},
      {"rpc.grpc.status_code", int64_t{13}},
      {"neg", int64_t{-42}},
      {"big", int64_t{4611686018427387905}},  // 2^62 + 1: beyond a double
      {"ok", true},
      {"no", false},
      {"ratio", 1.5},
      {"unicode", std::string("\xc3\xbcn\xc3\xaf" "code")},  // "ünïcode"
      {"empty", std::string("")},
  };
  s->events = {
      {"exception",
       1700000000000000100u,
       {{"exception.message", std::string("boom")},
        {"exception.type", std::string("INTERNAL")}}},
      {"retry", 1700000000000000200u, {{"attempt", int64_t{2}}}},
  };
  s->links = {{*TraceContext::FromHeaders(
                   "00-11111111111111111111111111111111-2222222222222222-01",
                   {"a=b"}),
               {{"link.kind", std::string("caller")}}}};
  s->dropped_attributes = 2;
  s->dropped_events = 3;
  s->dropped_links = 4;
  batch.push_back(std::move(s));
  // A CLIENT root span: no parent, no tracestate, status unset.
  auto c = std::make_unique<SpanData>();
  c->trace_id = *TraceId::FromHex("4bf92f3577b34da6a3ce929d0e0e4736");
  c->span_id = *SpanId::FromHex("00f067aa0ba902b7");
  c->flags = traceprop::TraceFlags(0x01);
  c->name = "root";
  c->kind = traceprop::SpanKind::kClient;
  c->start_unix_nano = 1700000001000000000u;
  c->end_unix_nano = 1700000001000000001u;
  batch.push_back(std::move(c));
  return batch;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUT_FILE\n", argv[0]);
    return 2;
  }
  Capture capture;
  int port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                           &port);
  builder.RegisterCallbackGenericService(&capture);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (!server) return 1;

  traceprop::OtlpGrpcExporterOptions o;
  o.endpoint = "http://127.0.0.1:" + std::to_string(port);
  o.timeout = absl::Seconds(30);
  o.resource = {{"service.name", std::string("otlp-decode")},
                {"host.count", int64_t{3}},
                {"deployment.canary", false},
                {"sampling.ratio", 0.25}};
  traceprop::OtlpGrpcExporter exporter(o);
  const bool ok =
      exporter.Export(Batch()) == traceprop::ExportResult::kSuccess;
  server->Shutdown();
  std::lock_guard<std::mutex> lock(capture.mu);
  if (!ok || !capture.got) {
    std::fprintf(stderr, "otlp_capture_request: export failed\n");
    return 1;
  }
  if (capture.method !=
      "/opentelemetry.proto.collector.trace.v1.TraceService/Export") {
    std::fprintf(stderr, "otlp_capture_request: unexpected method %s\n",
                 capture.method.c_str());
    return 1;
  }
  std::ofstream out(argv[1], std::ios::binary);
  out.write(capture.bytes.data(), static_cast<std::streamsize>(capture.bytes.size()));
  out.close();
  if (!out) return 1;
  std::printf("otlp_capture_request: %zu bytes -> %s\n", capture.bytes.size(),
              argv[1]);
  return 0;
}
