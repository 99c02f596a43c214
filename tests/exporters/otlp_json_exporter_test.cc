#include "traceprop/exporters/otlp_json_exporter.h"

#include <google/protobuf/util/json_util.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "traceprop/exporters/proto/trace.pb.h"

namespace traceprop {
namespace {

namespace trace = opentelemetry::proto::trace::v1;

std::vector<std::unique_ptr<SpanData>> Batch() {
  auto s = std::make_unique<SpanData>();
  s->trace_id = *TraceId::FromHex("0af7651916cd43dd8448eb211c80319c");
  s->span_id = *SpanId::FromHex("b7ad6b7169203331");
  s->parent_span_id = *SpanId::FromHex("00f067aa0ba902b7");
  s->flags = TraceFlags(1);
  s->trace_state = "k=v";
  // Not UTF-8: \xff, a surrogate (ED A0 80), an overlong '/' (C0 AF).
  s->name = "echo.Echo/Say \"quoted\"\n\x01 \xff caf\xc3\xa9 \xed\xa0\x80\xc0\xaf";
  s->kind = SpanKind::kClient;
  s->start_unix_nano = 1700000000000000000u;
  s->end_unix_nano = 1700000000000001234u;
  s->status = StatusCode::kError;
  s->status_message = "boom";
  s->attributes = {{"s", std::string("x")},
                   {"i", int64_t{-9007199254740993}},
                   {"b", false},
                   {"d", 0.25},
                   {"nan", std::numeric_limits<double>::quiet_NaN()}};
  s->events = {{"e", 1700000000000000100u, {{"k", std::string("v")}}}};
  s->links = {{*TraceContext::FromHeaders(
                   "00-11111111111111111111111111111111-2222222222222222-01"),
               {}}};
  s->events[0].dropped_attributes = 3;
  s->links[0].dropped_attributes = 4;
  std::vector<std::unique_ptr<SpanData>> batch;
  batch.push_back(std::move(s));
  batch.push_back(std::make_unique<SpanData>());  // a mostly empty one
  return batch;
}

// Protobuf's own JSON parser (the proto3 JSON mapping OTLP/JSON builds on)
// accepts the line as a TracesData: names are lowerCamelCase, enums are
// integers, 64-bit integers are strings. Ids are hex, which OTLP/JSON
// specifies and protobuf's generic mapping does not (it would read base64),
// so they are checked as text.
TEST(OtlpJsonExporter, LineIsOtlpJson) {
  std::string line =
      OtlpJsonExporter::ToJsonLine(Batch(), {{"service.name", std::string("svc")}});
  EXPECT_EQ(line.find('\n'), std::string::npos);
  trace::TracesData data;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(line, &data, options)
                  .ok())
      << line;
  ASSERT_EQ(data.resource_spans_size(), 1);
  const auto& rs = data.resource_spans(0);
  EXPECT_EQ(rs.resource().attributes(0).value().string_value(), "svc");
  ASSERT_EQ(rs.scope_spans(0).spans_size(), 2);
  const trace::Span& s = rs.scope_spans(0).spans(0);
  EXPECT_EQ(s.kind(), trace::Span::SPAN_KIND_CLIENT);
  EXPECT_EQ(s.start_time_unix_nano(), 1700000000000000000u);
  EXPECT_EQ(s.end_time_unix_nano(), 1700000000000001234u);
  EXPECT_EQ(s.status().code(), trace::Status::STATUS_CODE_ERROR);
  EXPECT_EQ(s.name(),
            "echo.Echo/Say \"quoted\"\n\x01 \xc3\xbf caf\xc3\xa9 "
            "\xc3\xad\xc2\xa0\xc2\x80\xc3\x80\xc2\xaf");
  EXPECT_EQ(s.attributes(1).value().int_value(), -9007199254740993);
  EXPECT_FALSE(s.attributes(2).value().bool_value());
  EXPECT_EQ(s.attributes(3).value().double_value(), 0.25);
  EXPECT_TRUE(std::isnan(s.attributes(4).value().double_value()));
  EXPECT_EQ(s.events(0).time_unix_nano(), 1700000000000000100u);
  EXPECT_EQ(s.events(0).dropped_attributes_count(), 3u);
  EXPECT_EQ(s.links(0).dropped_attributes_count(), 4u);
  EXPECT_EQ(s.flags(), 0x101u);
  EXPECT_NE(line.find("\"traceId\":\"0af7651916cd43dd8448eb211c80319c\""),
            std::string::npos);
  EXPECT_NE(line.find("\"spanId\":\"b7ad6b7169203331\""), std::string::npos);
  EXPECT_NE(line.find("\"parentSpanId\":\"00f067aa0ba902b7\""),
            std::string::npos);
  EXPECT_NE(line.find("\"traceId\":\"11111111111111111111111111111111\""),
            std::string::npos);
  EXPECT_NE(line.find("\"kind\":3"), std::string::npos);
  EXPECT_NE(line.find("\"code\":2"), std::string::npos);
}

TEST(OtlpJsonExporter, AppendsOneLinePerBatchToAFile) {
  std::string path = ::testing::TempDir() + "/otlp_json_exporter_test.jsonl";
  std::remove(path.c_str());
  {
    OtlpJsonExporter exporter({path, {}});
    EXPECT_EQ(exporter.Export(Batch()), ExportResult::kSuccess);
    EXPECT_EQ(exporter.Export(Batch()), ExportResult::kSuccess);
    exporter.Shutdown();
    EXPECT_EQ(exporter.Export(Batch()), ExportResult::kFailure);
  }
  std::ifstream in(path);
  std::string line;
  int lines = 0;
  while (std::getline(in, line)) {
    trace::TracesData data;
    EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(line, &data).ok());
    EXPECT_EQ(data.resource_spans(0).scope_spans(0).spans_size(), 2);
    ++lines;
  }
  EXPECT_EQ(lines, 2);
  std::remove(path.c_str());
}

TEST(OtlpJsonExporter, UnopenableFileFailsExportsWithoutCrashing) {
  OtlpJsonExporter exporter({"/nonexistent-dir/x/y.jsonl", {}});
  EXPECT_EQ(exporter.Export(Batch()), ExportResult::kFailure);
}

}  // namespace
}  // namespace traceprop
