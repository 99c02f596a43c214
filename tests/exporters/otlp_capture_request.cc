// otlp_capture_request OUT_FILE: runs the real OtlpGrpcExporter (gzip on;
// the receiver keeps what gRPC decompressed) against a capturing receiver
// (RawReceiver: a generic gRPC service that keeps the raw
// ExportTraceServiceRequest bytes it gets and answers an empty, valid
// response) and writes those bytes to OUT_FILE. The
// batch is a fixed pair of spans setting every field the exporter writes;
// tests/otlp_decode/decode.test.js decodes the file with OpenTelemetry's
// own generated protobuf definitions and checks each value.

#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "traceprop/exporters/otlp_grpc_exporter.h"
#include "traceprop/spans/span_data.h"
#include "traceprop/tests/exporters/otlp_test_receiver.h"

namespace {

using traceprop::Attribute;
using traceprop::SpanData;

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
  traceprop::testing_support::RawReceiver receiver;  // answers ""

  traceprop::OtlpGrpcExporterOptions o;
  o.endpoint = receiver.endpoint();
  o.timeout = absl::Seconds(30);
  o.gzip = true;
  o.resource = {{"service.name", std::string("otlp-decode")},
                {"host.count", int64_t{3}},
                {"deployment.canary", false},
                {"sampling.ratio", 0.25}};
  traceprop::OtlpGrpcExporter exporter(o);
  const bool ok =
      exporter.Export(Batch()) == traceprop::ExportResult::kSuccess;
  if (!ok || receiver.calls() != 1) {
    std::fprintf(stderr, "otlp_capture_request: export failed\n");
    return 1;
  }
  if (receiver.last_method() !=
      "/opentelemetry.proto.collector.trace.v1.TraceService/Export") {
    std::fprintf(stderr, "otlp_capture_request: unexpected method %s\n",
                 receiver.last_method().c_str());
    return 1;
  }
  const std::string bytes = receiver.last_request();
  std::ofstream out(argv[1], std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) return 1;
  std::printf("otlp_capture_request: %zu bytes -> %s\n", bytes.size(), argv[1]);
  return 0;
}
