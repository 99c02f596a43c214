#include "traceprop/exporters/otlp_grpc_exporter.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "traceprop/context/id_generator.h"
#include "traceprop/exporters/internal/otlp_proto.h"
#include "traceprop/exporters/proto/trace_service.pb.h"
#include "traceprop/spans/provider.h"
#include "traceprop/tests/exporters/otlp_test_receiver.h"

namespace traceprop {
namespace {

using testing_support::OtlpTestReceiver;
using testing_support::ReceivedSpan;

std::string Bytes(const std::string& hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2)
    out += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
  return out;
}

std::vector<std::unique_ptr<SpanData>> OneSpan() {
  auto s = std::make_unique<SpanData>();
  s->trace_id = *TraceId::FromHex("0af7651916cd43dd8448eb211c80319c");
  s->span_id = *SpanId::FromHex("b7ad6b7169203331");
  s->parent_span_id = *SpanId::FromHex("00f067aa0ba902b7");
  s->parent_is_remote = true;
  s->flags = TraceFlags(3);
  s->trace_state = "ot=th:8,k=v";
  s->name = "echo.Echo/Say";
  s->kind = SpanKind::kServer;
  s->start_unix_nano = 1700000000000000000u;
  s->end_unix_nano = 1700000000000001234u;
  s->status = StatusCode::kError;
  s->status_message = "boom";
  s->attributes = {{"rpc.system", std::string("grpc")},
                   {"rpc.grpc.status_code", int64_t{13}},
                   {"b", true},
                   {"d", 1.5}};
  s->events = {{"exception", 1700000000000000100u,
                {{"exception.message", std::string("boom")}}}};
  s->links = {{*TraceContext::FromHeaders(
                   "00-11111111111111111111111111111111-2222222222222222-01"),
               {}}};
  s->dropped_attributes = 2;
  s->events[0].dropped_attributes = 3;
  s->links[0].dropped_attributes = 4;
  std::vector<std::unique_ptr<SpanData>> batch;
  batch.push_back(std::move(s));
  return batch;
}

OtlpGrpcExporterOptions Options(const std::string& endpoint) {
  OtlpGrpcExporterOptions o = testing_support::FastRetryOptions(endpoint);
  o.resource = {{"service.name", std::string("svc")}};
  return o;
}

TEST(OtlpGrpcExporter, SendsEveryFieldWithTheSpecsNumbers) {
  OtlpTestReceiver receiver;
  OtlpGrpcExporterOptions o = Options(receiver.endpoint());
  o.headers = {{"API-Key", "secret"}, {"bad key", "x"}};
  OtlpGrpcExporter exporter(o);
  ASSERT_EQ(exporter.Export(OneSpan()), ExportResult::kSuccess);
  std::vector<ReceivedSpan> got = receiver.Spans();
  ASSERT_EQ(got.size(), 1u);
  const auto& s = got[0].span;
  EXPECT_EQ(s.trace_id(), Bytes("0af7651916cd43dd8448eb211c80319c"));
  EXPECT_EQ(s.span_id(), Bytes("b7ad6b7169203331"));
  EXPECT_EQ(s.parent_span_id(), Bytes("00f067aa0ba902b7"));
  EXPECT_EQ(s.trace_state(), "ot=th:8,k=v");
  EXPECT_EQ(s.flags(), 0x303u);  // sampled|random, has-remote, remote
  EXPECT_EQ(s.name(), "echo.Echo/Say");
  EXPECT_EQ(s.kind(), opentelemetry::proto::trace::v1::Span::SPAN_KIND_SERVER);
  EXPECT_EQ(s.start_time_unix_nano(), 1700000000000000000u);
  EXPECT_EQ(s.end_time_unix_nano(), 1700000000000001234u);
  EXPECT_EQ(s.status().code(),
            opentelemetry::proto::trace::v1::Status::STATUS_CODE_ERROR);
  EXPECT_EQ(s.status().message(), "boom");
  ASSERT_EQ(s.attributes_size(), 4);
  EXPECT_EQ(s.attributes(0).key(), "rpc.system");
  EXPECT_EQ(s.attributes(0).value().string_value(), "grpc");
  EXPECT_EQ(s.attributes(1).value().int_value(), 13);
  EXPECT_TRUE(s.attributes(2).value().bool_value());
  EXPECT_EQ(s.attributes(3).value().double_value(), 1.5);
  EXPECT_EQ(s.dropped_attributes_count(), 2u);
  ASSERT_EQ(s.events_size(), 1);
  EXPECT_EQ(s.events(0).name(), "exception");
  EXPECT_EQ(s.events(0).time_unix_nano(), 1700000000000000100u);
  EXPECT_EQ(s.events(0).dropped_attributes_count(), 3u);
  ASSERT_EQ(s.links_size(), 1);
  EXPECT_EQ(s.links(0).trace_id(), Bytes("11111111111111111111111111111111"));
  EXPECT_EQ(s.links(0).span_id(), Bytes("2222222222222222"));
  EXPECT_EQ(s.links(0).dropped_attributes_count(), 4u);
  EXPECT_EQ(got[0].scope.name(), "traceprop");
  ASSERT_EQ(got[0].resource.attributes_size(), 1);
  EXPECT_EQ(got[0].resource.attributes(0).value().string_value(), "svc");
  auto md = receiver.LastMetadata();
  auto it = md.find("api-key");
  ASSERT_NE(it, md.end());
  EXPECT_EQ(it->second, "secret");
  EXPECT_EQ(md.count("bad key"), 0u);
  EXPECT_EQ(exporter.stats()->exported_spans.load(), 1u);
}

TEST(OtlpGrpcExporter, RetriesRetryableCodesWithBackoff) {
  OtlpTestReceiver receiver;
  receiver.FailNext(grpc::Status(grpc::StatusCode::UNAVAILABLE, "down"), 2);
  OtlpGrpcExporter exporter(Options(receiver.endpoint()));
  ASSERT_EQ(exporter.Export(OneSpan()), ExportResult::kSuccess);
  EXPECT_EQ(exporter.stats()->attempts.load(), 3u);
  EXPECT_EQ(exporter.stats()->retries.load(), 2u);
  EXPECT_EQ(receiver.Spans().size(), 1u);
}

TEST(OtlpGrpcExporter, GivesUpOnNonRetryableCodesAndAfterMaxAttempts) {
  OtlpTestReceiver receiver;
  receiver.FailNext(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "no"), 1);
  OtlpGrpcExporter exporter(Options(receiver.endpoint()));
  EXPECT_EQ(exporter.Export(OneSpan()), ExportResult::kFailure);
  EXPECT_EQ(exporter.stats()->attempts.load(), 1u);
  // RESOURCE_EXHAUSTED without RetryInfo is not retried either.
  receiver.FailNext(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, "x"), 1);
  EXPECT_EQ(exporter.Export(OneSpan()), ExportResult::kFailure);
  EXPECT_EQ(exporter.stats()->attempts.load(), 2u);
  // Five UNAVAILABLE in a row: five attempts, then failure.
  receiver.FailNext(grpc::Status(grpc::StatusCode::UNAVAILABLE, "x"), 5);
  EXPECT_EQ(exporter.Export(OneSpan()), ExportResult::kFailure);
  EXPECT_EQ(exporter.stats()->attempts.load(), 7u);
  EXPECT_EQ(exporter.stats()->failed_spans.load(), 3u);
  EXPECT_EQ(receiver.Spans().size(), 0u);
}

// google.rpc.Status{code=8, details=[Any{type_url=.../google.rpc.RetryInfo,
// value=RetryInfo{retry_delay=Duration{nanos=nanos}}}]}, hand-encoded.
std::string StatusWithRetryInfo(uint32_t nanos) {
  auto varint = [](uint64_t v) {
    std::string out;
    while (v >= 0x80) {
      out += static_cast<char>((v & 0x7f) | 0x80);
      v >>= 7;
    }
    out += static_cast<char>(v);
    return out;
  };
  auto field = [&](int number, const std::string& bytes) {
    return varint((number << 3) | 2) + varint(bytes.size()) + bytes;
  };
  std::string duration = varint((2 << 3) | 0) + varint(nanos);
  std::string retry_info = field(1, duration);
  std::string any =
      field(1, "type.googleapis.com/google.rpc.RetryInfo") + field(2, retry_info);
  return varint((1 << 3) | 0) + varint(8) + field(3, any);
}

TEST(OtlpGrpcExporter, ResourceExhaustedWithRetryInfoIsRetried) {
  OtlpTestReceiver receiver;
  receiver.FailNext(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, "slow",
                                 StatusWithRetryInfo(1000000)),
                    1);
  OtlpGrpcExporter exporter(Options(receiver.endpoint()));
  ASSERT_EQ(exporter.Export(OneSpan()), ExportResult::kSuccess);
  EXPECT_EQ(exporter.stats()->retries.load(), 1u);
}

TEST(OtlpGrpcExporter, GarbageErrorDetailsAreIgnored) {
  OtlpTestReceiver receiver;
  receiver.FailNext(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, "x",
                                 std::string("\xff\xff\xff\x1a\x05", 5)),
                    1);
  OtlpGrpcExporter exporter(Options(receiver.endpoint()));
  EXPECT_EQ(exporter.Export(OneSpan()), ExportResult::kFailure);
  EXPECT_EQ(exporter.stats()->attempts.load(), 1u);
}

TEST(OtlpGrpcExporter, PartialSuccessIsCounted) {
  OtlpTestReceiver receiver;
  receiver.SetPartialSuccess(1, "one span too big");
  OtlpGrpcExporter exporter(Options(receiver.endpoint()));
  EXPECT_EQ(exporter.Export(OneSpan()), ExportResult::kSuccess);
  EXPECT_EQ(exporter.stats()->partial_successes.load(), 1u);
  EXPECT_EQ(exporter.stats()->rejected_spans.load(), 1u);
  EXPECT_EQ(exporter.stats()->exported_spans.load(), 0u);
}

TEST(OtlpGrpcExporter, SlowReceiverIsBoundedByTheDeadline) {
  OtlpTestReceiver receiver;
  receiver.Hold();
  OtlpGrpcExporterOptions o = Options(receiver.endpoint());
  o.timeout = absl::Milliseconds(300);
  OtlpGrpcExporter exporter(o);
  const absl::Time start = absl::Now();
  EXPECT_EQ(exporter.Export(OneSpan()), ExportResult::kFailure);
  EXPECT_LT(absl::Now() - start, absl::Seconds(10));  // generous upper bound
  EXPECT_EQ(exporter.stats()->failed_spans.load(), 1u);
  receiver.Release();
}

TEST(OtlpGrpcExporter, ReceiverDownThenUpResumes) {
  int port;
  {
    OtlpTestReceiver probe;  // find a free port, then free it
    port = probe.port();
  }
  OtlpGrpcExporterOptions o =
      Options("http://127.0.0.1:" + std::to_string(port));
  o.timeout = absl::Milliseconds(500);
  o.max_attempts = 2;
  o.initial_backoff = o.max_backoff = absl::Milliseconds(100);
  OtlpGrpcExporter exporter(o);
  EXPECT_EQ(exporter.Export(OneSpan()), ExportResult::kFailure);
  OtlpTestReceiver receiver(port);
  ASSERT_EQ(receiver.port(), port);
  // The same exporter reconnects once gRPC's reconnect backoff (1 s at
  // first) has passed; keep exporting, bounded by 30 s.
  bool ok = false;
  const absl::Time give_up = absl::Now() + absl::Seconds(30);
  while (!ok && absl::Now() < give_up)
    ok = exporter.Export(OneSpan()) == ExportResult::kSuccess;
  EXPECT_TRUE(ok);
  EXPECT_EQ(receiver.Spans().size(), 1u);
}

TEST(OtlpGrpcExporter, MalformedEndpointsFailWithoutCrashing) {
  for (const char* endpoint :
       {"", "http://", "https://", "::::", "not a target at all", "unix:",
        "http://[::1"}) {
    OtlpGrpcExporterOptions o = Options(endpoint);
    o.timeout = absl::Milliseconds(200);
    o.max_attempts = 1;
    OtlpGrpcExporter exporter(o);
    EXPECT_EQ(exporter.Export(OneSpan()), ExportResult::kFailure) << endpoint;
  }
}

TEST(OtlpGrpcExporter, ShutdownFailsLaterExports) {
  OtlpTestReceiver receiver;
  OtlpGrpcExporter exporter(Options(receiver.endpoint()));
  exporter.Shutdown();
  EXPECT_EQ(exporter.Export(OneSpan()), ExportResult::kFailure);
  EXPECT_EQ(receiver.calls(), 0);
}

// The scheme and `insecure` choose TLS or plaintext: against a plaintext
// receiver only the plaintext choices get through (a TLS handshake with it
// fails), so the choice really reaches the channel.
TEST(OtlpGrpcExporter, SchemeAndInsecureChooseTlsOrPlaintext) {
  OtlpTestReceiver receiver;
  const std::string hostport = "127.0.0.1:" + std::to_string(receiver.port());
  struct Case {
    std::string endpoint;
    bool insecure;
    bool plaintext;
  };
  for (const Case& c : {Case{"http://" + hostport, false, true},
                        Case{hostport, true, true},
                        Case{hostport, false, false},
                        Case{"https://" + hostport, true, false}}) {
    OtlpGrpcExporterOptions o = Options(c.endpoint);
    o.insecure = c.insecure;
    o.timeout = absl::Seconds(c.plaintext ? 20 : 1);
    o.max_attempts = 1;
    OtlpGrpcExporter exporter(o);
    EXPECT_EQ(exporter.Export(OneSpan()) == ExportResult::kSuccess, c.plaintext)
        << c.endpoint << " insecure=" << c.insecure;
  }
  EXPECT_EQ(receiver.Spans().size(), 2u);
}

TEST(OtlpGrpcExporter, GrpcTargetFromEndpoint) {
  using P = std::pair<std::string, bool>;
  EXPECT_EQ(OtlpGrpcExporter::GrpcTarget("http://h:4317", false), P("h:4317", true));
  EXPECT_EQ(OtlpGrpcExporter::GrpcTarget("https://h:4317/v1", true),
            P("h:4317", false));
  EXPECT_EQ(OtlpGrpcExporter::GrpcTarget("h:4317", false), P("h:4317", false));
  EXPECT_EQ(OtlpGrpcExporter::GrpcTarget(" h:4317 ", true), P("h:4317", true));
  EXPECT_EQ(OtlpGrpcExporter::GrpcTarget("HTTP://h:1", false), P("h:1", true));
}

// The whole path: spans recorded through an installed provider and a
// batching processor arrive at the receiver, parented.
TEST(OtlpGrpcExporter, ThroughProviderAndBatchProcessor) {
  OtlpTestReceiver receiver;
  auto exporter = std::make_unique<OtlpGrpcExporter>(Options(receiver.endpoint()));
  auto stats = exporter->stats();
  auto provider = std::make_shared<TracerProvider>(TracerProviderOptions{
      nullptr, std::make_unique<BatchSpanProcessor>(std::move(exporter))});
  {
    RecordingSpan root = provider->StartSpan("root");
    RecordingSpan child =
        provider->StartSpan("child", {SpanKind::kClient, root.context()});
  }
  ASSERT_TRUE(provider->ForceFlush(absl::Seconds(30)));
  ASSERT_TRUE(receiver.WaitForSpans(2, absl::Seconds(30)));
  std::vector<ReceivedSpan> got = receiver.Spans();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].span.name(), "child");
  EXPECT_EQ(got[1].span.name(), "root");
  EXPECT_EQ(got[0].span.parent_span_id(), got[1].span.span_id());
  EXPECT_EQ(got[0].span.trace_id(), got[1].span.trace_id());
  EXPECT_TRUE(provider->Shutdown(absl::Seconds(30)));
  EXPECT_EQ(stats->exported_spans.load(), 2u);
}

// ------------------------------------------------------- the encoding itself
//
// The exporter writes the wire format by hand (internal/otlp_proto.h).
// protobuf's parser is the judge of each field, and protobuf's serializer of
// the bytes: parsed and written again, a request must come out the same
// (fields in number order, defaults left out, shortest lengths).

using Request =
    opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest;
using AnyValue = opentelemetry::proto::common::v1::AnyValue;

Request Decode(const std::vector<std::unique_ptr<SpanData>>& batch,
               const std::vector<Attribute>& resource) {
  const std::string bytes(internal::EncodeRequest(batch, resource).view());
  Request request;
  EXPECT_TRUE(request.ParseFromString(bytes));
  EXPECT_EQ(request.SerializeAsString(), bytes);
  return request;
}

TEST(OtlpEncoding, EveryFieldAsProtobufWritesIt) {
  Request r = Decode(OneSpan(), {{"service.name", std::string("svc")},
                                 {"host.cpus", int64_t{2}}});
  ASSERT_EQ(r.resource_spans_size(), 1);
  const auto& rs = r.resource_spans(0);
  ASSERT_EQ(rs.resource().attributes_size(), 2);
  EXPECT_EQ(rs.resource().attributes(1).value().int_value(), 2);
  ASSERT_EQ(rs.scope_spans_size(), 1);
  EXPECT_EQ(rs.scope_spans(0).scope().name(), "traceprop");
  EXPECT_FALSE(rs.scope_spans(0).scope().version().empty());
  ASSERT_EQ(rs.scope_spans(0).spans_size(), 1);
  const auto& s = rs.scope_spans(0).spans(0);
  EXPECT_EQ(s.trace_id(), Bytes("0af7651916cd43dd8448eb211c80319c"));
  EXPECT_EQ(s.parent_span_id(), Bytes("00f067aa0ba902b7"));
  EXPECT_EQ(s.flags(), 0x303u);
  EXPECT_EQ(s.end_time_unix_nano(), 1700000000000001234u);
  EXPECT_EQ(s.status().message(), "boom");
  EXPECT_EQ(s.attributes(1).value().int_value(), 13);
  EXPECT_EQ(s.attributes(3).value().double_value(), 1.5);
  ASSERT_EQ(s.events_size(), 1);
  EXPECT_EQ(s.events(0).attributes(0).value().string_value(), "boom");
  ASSERT_EQ(s.links_size(), 1);
  EXPECT_EQ(s.links(0).flags(), 0x301u);  // sampled, has-remote, remote
  EXPECT_EQ(s.dropped_attributes_count(), 2u);
}

TEST(OtlpEncoding, ZeroValuesEmptyFieldsAndLongLengths) {
  auto root = std::make_unique<SpanData>();  // ids only: every default
  root->trace_id = *TraceId::FromHex("0af7651916cd43dd8448eb211c80319c");
  root->span_id = *SpanId::FromHex("b7ad6b7169203331");
  root->kind = SpanKind::kUnspecified;
  auto odd = std::make_unique<SpanData>();
  odd->trace_id = root->trace_id;
  odd->span_id = *SpanId::FromHex("00f067aa0ba902b7");
  odd->name = std::string("bad \xff name");
  odd->status = StatusCode::kOk;
  odd->rpc.is_rpc = true;  // no '/' in the name: rpc.system alone
  odd->rpc.grpc_status_code = 0;
  odd->rpc.server_address = "db";
  odd->rpc.server_port = 0;
  odd->rpc.peer = "ipv6:[::1]:443";
  odd->attributes = {{"false", false},
                     {"zero", int64_t{0}},
                     {"negative", int64_t{-5}},
                     {"nought", 0.0},
                     {"empty", std::string()},
                     {"k\xc3", std::string("v\xe2\x82")},
                     {"long", std::string(200, 'x')},
                     {"longer", std::string(20000, 'y')}};
  odd->events = {{"", 0, {}}, {"e", 7, {{"n", int64_t{1}}}}};
  odd->links = {{*TraceContext::FromHeaders(
                     "00-11111111111111111111111111111111-2222222222222222-00",
                     {"a=1,b=2"}),
                 {{"l", true}}}};
  odd->dropped_events = 1;
  odd->dropped_links = 300;  // a two-byte varint
  std::vector<std::unique_ptr<SpanData>> batch;
  batch.push_back(std::move(root));
  batch.push_back(std::move(odd));

  Request r = Decode(batch, {});
  const auto& rs = r.resource_spans(0);
  EXPECT_TRUE(rs.has_resource());  // written, empty
  EXPECT_EQ(rs.resource().attributes_size(), 0);
  ASSERT_EQ(rs.scope_spans(0).spans_size(), 2);
  const auto& root_out = rs.scope_spans(0).spans(0);
  EXPECT_TRUE(root_out.parent_span_id().empty());
  EXPECT_TRUE(root_out.name().empty());
  EXPECT_FALSE(root_out.has_status());
  EXPECT_EQ(root_out.start_time_unix_nano(), 0u);
  EXPECT_EQ(root_out.flags(), 0x100u);  // has-remote only: a local root

  const auto& s = rs.scope_spans(0).spans(1);
  EXPECT_EQ(s.name(), "bad \xef\xbf\xbd name");
  EXPECT_EQ(s.status().code(),
            opentelemetry::proto::trace::v1::Status::STATUS_CODE_OK);
  EXPECT_TRUE(s.status().message().empty());
  std::map<std::string, AnyValue> got;
  for (const auto& kv : s.attributes()) got[kv.key()] = kv.value();
  EXPECT_EQ(got["rpc.system"].string_value(), "grpc");
  EXPECT_EQ(got["rpc.grpc.status_code"].value_case(), AnyValue::kIntValue);
  EXPECT_EQ(got["server.port"].value_case(), AnyValue::kIntValue);
  EXPECT_EQ(got["network.peer.address"].string_value(), "::1");
  EXPECT_EQ(got["network.peer.port"].int_value(), 443);
  EXPECT_EQ(got["false"].value_case(), AnyValue::kBoolValue);
  EXPECT_FALSE(got["false"].bool_value());
  EXPECT_EQ(got["zero"].value_case(), AnyValue::kIntValue);
  EXPECT_EQ(got["negative"].int_value(), -5);
  EXPECT_EQ(got["nought"].value_case(), AnyValue::kDoubleValue);
  EXPECT_EQ(got["empty"].value_case(), AnyValue::kStringValue);
  // Each byte outside a well-formed sequence is one U+FFFD.
  EXPECT_EQ(got["k\xef\xbf\xbd"].string_value(), "v\xef\xbf\xbd\xef\xbf\xbd");
  EXPECT_EQ(got["long"].string_value(), std::string(200, 'x'));
  EXPECT_EQ(got["longer"].string_value(), std::string(20000, 'y'));
  ASSERT_EQ(s.events_size(), 2);
  EXPECT_EQ(s.events(1).time_unix_nano(), 7u);
  EXPECT_EQ(s.dropped_events_count(), 1u);
  ASSERT_EQ(s.links_size(), 1);
  EXPECT_EQ(s.links(0).trace_state(), "a=1,b=2");
  EXPECT_EQ(s.links(0).flags(), 0x300u);
  EXPECT_TRUE(s.links(0).attributes(0).value().has_bool_value());
  EXPECT_EQ(s.dropped_links_count(), 300u);
}

TEST(OtlpEncoding, EmptyAndLargeBatches) {
  Request empty = Decode({}, {{"service.name", std::string("svc")}});
  ASSERT_EQ(empty.resource_spans_size(), 1);
  EXPECT_EQ(empty.resource_spans(0).scope_spans(0).spans_size(), 0);

  std::vector<std::unique_ptr<SpanData>> batch;  // lengths past 2^14, 2^21
  for (int i = 0; i < 20000; ++i) {
    auto s = std::make_unique<SpanData>();
    s->trace_id = GenerateTraceId();
    s->span_id = GenerateSpanId();
    s->name = "span " + std::to_string(i);
    batch.push_back(std::move(s));
  }
  Request r = Decode(batch, {});
  ASSERT_EQ(r.resource_spans(0).scope_spans(0).spans_size(), 20000);
  EXPECT_EQ(r.resource_spans(0).scope_spans(0).spans(19999).name(),
            "span 19999");
}

// The encoder keeps the bytes of rpc.system, rpc.service and rpc.method
// for a batch's last few span names: every span still gets its own name's,
// through more names than it keeps, names that prefix one another, spans
// that are not RPCs and names without a '/'.
TEST(OtlpEncoding, RpcNameAttributesFollowEachSpansName) {
  const std::vector<std::string> names = {
      "a.S/M", "a.S/Mx", "b.T/M", "c.U/N", "d.V/O", "e.W/P", "no-slash", ""};
  std::vector<std::unique_ptr<SpanData>> batch;
  for (int round = 0; round < 3; ++round) {
    for (size_t i = 0; i < names.size(); ++i) {
      auto s = std::make_unique<SpanData>();
      s->trace_id = GenerateTraceId();
      s->span_id = GenerateSpanId();
      s->name = names[(i + round) % names.size()];
      s->rpc.is_rpc = (i + round) % 3 != 2;
      batch.push_back(std::move(s));
    }
  }
  Request r = Decode(batch, {});
  const auto& spans = r.resource_spans(0).scope_spans(0).spans();
  ASSERT_EQ(spans.size(), static_cast<int>(batch.size()));
  for (size_t i = 0; i < batch.size(); ++i) {
    SCOPED_TRACE(i);
    const std::string& name = batch[i]->name;
    std::map<std::string, std::string> got;
    for (const auto& kv : spans[i].attributes())
      got[kv.key()] = kv.value().string_value();
    if (!batch[i]->rpc.is_rpc) {
      EXPECT_TRUE(got.empty());
      continue;
    }
    EXPECT_EQ(got["rpc.system"], "grpc");
    const size_t slash = name.rfind('/');
    if (slash == std::string::npos) {
      EXPECT_EQ(got.size(), 1u);
      continue;
    }
    EXPECT_EQ(got.size(), 3u);
    EXPECT_EQ(got["rpc.service"], name.substr(0, slash));
    EXPECT_EQ(got["rpc.method"], name.substr(slash + 1));
  }
}

}  // namespace
}  // namespace traceprop
