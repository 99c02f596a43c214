// The OTLP/gRPC exporter against receivers that misbehave — replies that
// are not an ExportTraceServiceResponse, garbage partial_success, malformed
// RetryInfo — and shutdown interrupting an export that a silent receiver
// would otherwise hold for the whole export timeout.

#include <grpcpp/grpcpp.h>

#include <cstdint>
#include <deque>
#include <limits>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "traceprop/exporters/internal/otlp_proto.h"
#include "traceprop/exporters/otlp_grpc_exporter.h"
#include "traceprop/spans/processor.h"
#include "traceprop/spans/provider.h"
#include "traceprop/tests/exporters/otlp_test_receiver.h"

namespace traceprop {
namespace {

using testing_support::FastRetryOptions;
using testing_support::OtlpTestReceiver;
using testing_support::RawReceiver;

constexpr char kExportMethod[] =
    "/opentelemetry.proto.collector.trace.v1.TraceService/Export";

// ---------------------------------------------------------------- encoding

std::string Varint(uint64_t v) {
  std::string out;
  while (v >= 0x80) {
    out += static_cast<char>((v & 0x7f) | 0x80);
    v >>= 7;
  }
  out += static_cast<char>(v);
  return out;
}
std::string VarintField(int number, uint64_t v) {
  return Varint(static_cast<uint64_t>(number) << 3) + Varint(v);
}
std::string BytesField(int number, const std::string& bytes) {
  return Varint((static_cast<uint64_t>(number) << 3) | 2) +
         Varint(bytes.size()) + bytes;
}

// google.rpc.Status{code, details=[Any{type_url, value}]}.
std::string StatusDetails(int code, const std::string& type_url,
                          const std::string& value) {
  return VarintField(1, code) +
         BytesField(3, BytesField(1, type_url) + BytesField(2, value));
}
const std::string kRetryInfoUrl = "type.googleapis.com/google.rpc.RetryInfo";
// RetryInfo{retry_delay=Duration{seconds, nanos}}.
std::string RetryInfo(uint64_t seconds, uint64_t nanos) {
  return BytesField(1, VarintField(1, seconds) + VarintField(2, nanos));
}

std::vector<std::unique_ptr<SpanData>> Spans(int n) {
  std::vector<std::unique_ptr<SpanData>> batch;
  for (int i = 0; i < n; ++i) {
    auto s = std::make_unique<SpanData>();
    s->trace_id = *TraceId::FromHex("0af7651916cd43dd8448eb211c80319c");
    s->span_id = *SpanId::FromHex("b7ad6b71692033" + std::to_string(10 + i));
    s->name = "span";
    s->start_unix_nano = 1700000000000000000u;
    s->end_unix_nano = 1700000000000001234u;
    batch.push_back(std::move(s));
  }
  return batch;
}


// ------------------------------------------------ receivers answering garbage

// Bytes that do not parse as an ExportTraceServiceResponse.
std::vector<std::string> Unparseable() {
  return {
      std::string("\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff", 11),
      std::string("\x0a\x7f", 2),              // field 1, 127 bytes: missing
      std::string("\x0a\x03\x08\xff\xff", 5),  // truncated varint inside
      std::string("\x0f", 1),                  // wire type 7 does not exist
      std::string("\x00", 1),                  // field number 0
  };
}

TEST(GarbageReceiver, UnparseableResponseFailsOnceAndIsCounted) {
  RawReceiver collector;
  OtlpGrpcExporter exporter(FastRetryOptions(collector.endpoint()));
  int calls = 0;
  for (const std::string& junk : Unparseable()) {
    collector.Script({{junk}});
    EXPECT_EQ(exporter.Export(Spans(2)), ExportResult::kFailure);
    // Not a code the OTLP specification lists as retryable: one attempt.
    EXPECT_EQ(collector.calls(), ++calls);
  }
  EXPECT_EQ(collector.last_method(), kExportMethod);
  EXPECT_EQ(exporter.stats()->attempts.load(), Unparseable().size());
  EXPECT_EQ(exporter.stats()->retries.load(), 0u);
  EXPECT_EQ(exporter.stats()->failed_spans.load(), 2 * Unparseable().size());
  EXPECT_EQ(exporter.stats()->exported_spans.load(), 0u);
}

TEST(GarbageReceiver, ProcessorKeepsWorkingAfterGarbage) {
  RawReceiver collector;
  // Garbage for the first export, then an empty (valid) response.
  collector.Script({{Unparseable()[0]}, {""}});
  auto exporter = std::make_unique<OtlpGrpcExporter>(
      FastRetryOptions(collector.endpoint()));
  auto stats = exporter->stats();
  BatchSpanProcessor processor(std::move(exporter));
  for (auto& s : Spans(3)) processor.OnEnd(std::move(s));
  ASSERT_TRUE(processor.ForceFlush(absl::Seconds(30)));
  EXPECT_EQ(processor.GetStats().export_failures, 3u);
  for (auto& s : Spans(2)) processor.OnEnd(std::move(s));
  ASSERT_TRUE(processor.ForceFlush(absl::Seconds(30)));
  EXPECT_EQ(processor.GetStats().exported, 2u);
  EXPECT_EQ(stats->exported_spans.load(), 2u);
  EXPECT_TRUE(processor.Shutdown(absl::Seconds(30)));
  EXPECT_EQ(collector.calls(), 2);
}

// Valid responses whose partial_success is nonsense: a negative or huge
// rejected count, a 64 KiB message of control bytes, unknown fields.
TEST(GarbageReceiver, GarbagePartialSuccessIsBoundedAndCounted) {
  const std::string junk_message(64 * 1024, '\x1b');
  const std::string unknown = VarintField(99, 7) + BytesField(100, "\xff\xfe");
  auto response = [&](uint64_t rejected) {
    return BytesField(1, VarintField(1, rejected) +
                             BytesField(2, junk_message) + unknown) +
           VarintField(15, 1);
  };
  RawReceiver collector;
  collector.Script({
      {response(static_cast<uint64_t>(int64_t{-1}))},  // negative
      {response(std::numeric_limits<int64_t>::max())},  // more than sent
      {response(1)},                                    // plausible
  });
  OtlpGrpcExporter exporter(FastRetryOptions(collector.endpoint()));
  const OtlpExporterStats& stats = *exporter.stats();
  EXPECT_EQ(exporter.Export(Spans(3)), ExportResult::kSuccess);
  EXPECT_EQ(stats.rejected_spans.load(), 0u);  // negative: none rejected
  EXPECT_EQ(stats.exported_spans.load(), 3u);
  EXPECT_EQ(exporter.Export(Spans(3)), ExportResult::kSuccess);
  EXPECT_EQ(stats.rejected_spans.load(), 3u);  // capped at the batch
  EXPECT_EQ(stats.exported_spans.load(), 3u);
  EXPECT_EQ(exporter.Export(Spans(3)), ExportResult::kSuccess);
  EXPECT_EQ(stats.rejected_spans.load(), 4u);
  EXPECT_EQ(stats.exported_spans.load(), 5u);
  EXPECT_EQ(stats.partial_successes.load(), 3u);
  EXPECT_EQ(stats.attempts.load(), 3u);  // a partial success is not retried
}

// UNAVAILABLE is retryable whatever its details say; a malformed or absurd
// RetryInfo is ignored (our own backoff: 1-5 ms here) — honouring the
// absurd ones would wait past the 20 s deadline and fail the export.
TEST(GarbageReceiver, UnavailableWithMalformedRetryInfoIsRetriedOnOurBackoff) {
  const std::vector<std::string> details = {
      std::string("\xff\xff\xff", 3),                    // not a Status
      StatusDetails(14, kRetryInfoUrl, "\xff"),          // value not a RetryInfo
      StatusDetails(14, kRetryInfoUrl, RetryInfo(uint64_t{1} << 40, 0)),
      StatusDetails(14, kRetryInfoUrl,
                    RetryInfo(static_cast<uint64_t>(int64_t{-5}), 0)),
      StatusDetails(14, kRetryInfoUrl, RetryInfo(0, 2000000000)),  // nanos
      StatusDetails(14, kRetryInfoUrl,
                    RetryInfo(0, static_cast<uint64_t>(int64_t{-1}))),
      StatusDetails(14, kRetryInfoUrl, RetryInfo(1000, 0)).substr(0, 20),
      StatusDetails(14, "", RetryInfo(1000, 0)),  // no type: not RetryInfo
  };
  OtlpTestReceiver receiver;
  OtlpGrpcExporter exporter(FastRetryOptions(receiver.endpoint()));
  uint64_t attempts = 0;
  for (size_t i = 0; i < details.size(); ++i) {
    SCOPED_TRACE(i);
    receiver.FailNext(
        grpc::Status(grpc::StatusCode::UNAVAILABLE, "down", details[i]), 1);
    const absl::Time start = absl::Now();
    EXPECT_EQ(exporter.Export(Spans(1)), ExportResult::kSuccess);
    EXPECT_LT(absl::Now() - start, absl::Seconds(15));
    attempts += 2;
    EXPECT_EQ(exporter.stats()->attempts.load(), attempts);
  }
  EXPECT_EQ(exporter.stats()->retries.load(), details.size());
  EXPECT_EQ(receiver.Spans().size(), details.size());
}

// A well-formed RetryInfo that asks for longer than the export deadline
// leaves: the exporter gives up at once instead of sleeping past it, and a
// non-retryable code with a RetryInfo is still not retried.
TEST(GarbageReceiver, RetryInfoBeyondTheDeadlineOrOnAFinalCodeGivesUp) {
  OtlpTestReceiver receiver;
  OtlpGrpcExporter exporter(FastRetryOptions(receiver.endpoint()));
  receiver.FailNext(grpc::Status(grpc::StatusCode::UNAVAILABLE, "later",
                                 StatusDetails(14, kRetryInfoUrl,
                                               RetryInfo(3000, 0))),
                    1);
  const absl::Time start = absl::Now();
  EXPECT_EQ(exporter.Export(Spans(1)), ExportResult::kFailure);
  EXPECT_LT(absl::Now() - start, absl::Seconds(15));  // not 3000 s
  EXPECT_EQ(exporter.stats()->attempts.load(), 1u);
  receiver.FailNext(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "no",
                                 StatusDetails(3, kRetryInfoUrl,
                                               RetryInfo(0, 1000))),
                    1);
  EXPECT_EQ(exporter.Export(Spans(1)), ExportResult::kFailure);
  EXPECT_EQ(exporter.stats()->attempts.load(), 2u);
  EXPECT_EQ(exporter.stats()->failed_spans.load(), 2u);
}

// --------------------------------------------------- invalid UTF-8 in spans

// OTLP's string fields must be UTF-8; a receiver that checks (protobuf's
// parsers do, the Collector included) rejects the whole request otherwise,
// so one bad byte in one span (a method name or a value from the network)
// would lose the batch. The exporter replaces each invalid byte with U+FFFD.
TEST(GarbageInput, InvalidUtf8IsReplacedAndTheBatchArrives) {
  const std::string kBad = "\xef\xbf\xbd";  // U+FFFD
  OtlpTestReceiver receiver;
  OtlpGrpcExporterOptions o = FastRetryOptions(receiver.endpoint());
  o.resource = {{"service.name", std::string("svc\xfe")}};
  OtlpGrpcExporter exporter(o);
  std::vector<std::unique_ptr<SpanData>> batch = Spans(2);
  SpanData& s = *batch[0];
  s.name = "bad\xff name";
  s.attributes = {
      {"k\xc3", std::string("v\xe2\x82")},         // truncated sequences
      {"overlong", std::string("\xc0\xaf")},       // overlong '/'
      {"surrogate", std::string("\xed\xa0\x80")},  // UTF-16 surrogate
      {"too_big", std::string("\xf4\x90\x80\x80")},  // above U+10FFFF
      {"fine", std::string("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80")},
  };
  s.events = {{"\xf5", 1, {{"e", std::string("\x80")}}}};
  s.status = StatusCode::kError;
  s.status_message = "boom\xff";
  ASSERT_EQ(exporter.Export(batch), ExportResult::kSuccess);
  std::vector<testing_support::ReceivedSpan> got = receiver.Spans();
  ASSERT_EQ(got.size(), 2u);
  const auto& span = got[0].span;
  EXPECT_EQ(span.name(), "bad" + kBad + " name");
  ASSERT_EQ(span.attributes_size(), 5);
  EXPECT_EQ(span.attributes(0).key(), "k" + kBad);
  EXPECT_EQ(span.attributes(0).value().string_value(), "v" + kBad + kBad);
  EXPECT_EQ(span.attributes(1).value().string_value(), kBad + kBad);
  EXPECT_EQ(span.attributes(2).value().string_value(), kBad + kBad + kBad);
  EXPECT_EQ(span.attributes(3).value().string_value(),
            kBad + kBad + kBad + kBad);
  EXPECT_EQ(span.attributes(4).value().string_value(),
            "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");  // valid: unchanged
  EXPECT_EQ(span.events(0).name(), kBad);
  EXPECT_EQ(span.events(0).attributes(0).value().string_value(), kBad);
  EXPECT_EQ(span.status().message(), "boom" + kBad);
  EXPECT_EQ(got[0].resource.attributes(0).value().string_value(), "svc" + kBad);
}

// ValidUtf8 against an independent judge, protobuf's own UTF-8 check when
// it parses a string field: whatever ValidUtf8 returns parses, for every
// two-byte input and for random strings over the bytes where UTF-8's
// boundaries lie; and a well-formed string comes back unchanged.
TEST(GarbageInput, ValidUtf8OutputAlwaysParses) {
  namespace common = opentelemetry::proto::common::v1;
  auto parses = [](const std::string& s) {
    common::AnyValue v;
    v.set_string_value(s);
    std::string wire;
    if (!v.SerializeToString(&wire)) return false;
    common::AnyValue back;
    return back.ParseFromString(wire) && back.string_value() == s;
  };
  std::string two(2, '\0');
  for (int a = 0; a < 256; ++a) {
    for (int b = 0; b < 256; ++b) {
      two[0] = static_cast<char>(a);
      two[1] = static_cast<char>(b);
      ASSERT_TRUE(parses(internal::ValidUtf8(two))) << a << " " << b;
    }
  }
  const unsigned char kEdges[] = {'a',  0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0,
                                  0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xe1,
                                  0xec, 0xed, 0xee, 0xef, 0xf0, 0xf1, 0xf3,
                                  0xf4, 0xf5, 0xff};
  std::mt19937 rng(13);
  for (int i = 0; i < 100000; ++i) {
    std::string s(1 + rng() % 6, '\0');
    for (char& c : s) c = static_cast<char>(kEdges[rng() % sizeof kEdges]);
    ASSERT_TRUE(parses(internal::ValidUtf8(s))) << i;
  }
  for (const std::string& fine :
       {std::string(""), std::string("plain"), std::string("\xc2\x80"),
        std::string("\xdf\xbf"), std::string("\xe0\xa0\x80"),
        std::string("\xed\x9f\xbf"), std::string("\xee\x80\x80"),
        std::string("\xef\xbf\xbf"), std::string("\xf0\x90\x80\x80"),
        std::string("\xf4\x8f\xbf\xbf")}) {
    EXPECT_EQ(internal::ValidUtf8(fine), fine);
    EXPECT_TRUE(parses(fine));
  }
}

// --------------------------------------------- shutdown interrupts exports

// A receiver that holds every call until released: the export would wait
// for its full 120 s timeout.
OtlpGrpcExporterOptions Silent(const OtlpTestReceiver& receiver) {
  OtlpGrpcExporterOptions o = FastRetryOptions(receiver.endpoint());
  o.timeout = absl::Seconds(120);
  return o;
}

TEST(ShutdownInterrupts, CancelEndsAnExportBlockedOnASilentReceiver) {
  OtlpTestReceiver receiver;
  receiver.Hold();
  OtlpGrpcExporter exporter(Silent(receiver));
  ExportResult result = ExportResult::kSuccess;
  std::thread t([&] { result = exporter.Export(Spans(4)); });
  ASSERT_TRUE(receiver.WaitForCalls(1, absl::Seconds(30)));
  const absl::Time cancelled = absl::Now();
  exporter.Cancel();
  t.join();
  EXPECT_LT(absl::Now() - cancelled, absl::Seconds(10));  // not 120 s
  EXPECT_EQ(result, ExportResult::kFailure);
  EXPECT_EQ(exporter.stats()->failed_spans.load(), 4u);
  EXPECT_EQ(exporter.stats()->attempts.load(), 1u);  // cancelled: no retry
  EXPECT_EQ(exporter.Export(Spans(1)), ExportResult::kFailure);  // later ones
  EXPECT_EQ(receiver.calls(), 1);
  receiver.Release();
}

TEST(ShutdownInterrupts, CancelEndsABackoffWait) {
  OtlpTestReceiver receiver;
  receiver.FailNext(grpc::Status(grpc::StatusCode::UNAVAILABLE, "down"), 1);
  OtlpGrpcExporterOptions o = Silent(receiver);
  o.initial_backoff = o.max_backoff = absl::Seconds(60);  // 30 to 90 s
  OtlpGrpcExporter exporter(o);
  ExportResult result = ExportResult::kSuccess;
  std::thread t([&] { result = exporter.Export(Spans(1)); });
  ASSERT_TRUE(receiver.WaitForCalls(1, absl::Seconds(30)));
  const absl::Time cancelled = absl::Now();
  exporter.Shutdown();
  t.join();
  EXPECT_LT(absl::Now() - cancelled, absl::Seconds(10));
  EXPECT_EQ(result, ExportResult::kFailure);
  EXPECT_EQ(receiver.calls(), 1);  // the retry never went out
}

// The processor's Shutdown deadline cancels the export in flight and drops
// what is still queued: it returns soon after its deadline, and every span
// is counted once (the interrupted batch as failed, the rest as dropped).
TEST(ShutdownInterrupts, ProcessorShutdownReturnsByItsDeadline) {
  OtlpTestReceiver receiver;
  receiver.Hold();
  auto exporter = std::make_unique<OtlpGrpcExporter>(Silent(receiver));
  auto stats = exporter->stats();
  BatchSpanProcessorOptions bsp;
  bsp.max_export_batch_size = 10;
  bsp.schedule_delay = absl::Seconds(60);  // exports start on a full batch
  bsp.export_timeout = absl::Seconds(120);
  BatchSpanProcessor processor(std::move(exporter), bsp);
  for (auto& s : Spans(25)) processor.OnEnd(std::move(s));
  ASSERT_TRUE(receiver.WaitForCalls(1, absl::Seconds(30)));  // batch 1 held
  const absl::Time start = absl::Now();
  EXPECT_FALSE(processor.Shutdown(absl::Milliseconds(300)));
  const absl::Duration took = absl::Now() - start;
  EXPECT_GE(took, absl::Milliseconds(300));
  EXPECT_LT(took, absl::Seconds(10));  // not the 120 s export timeout
  BatchSpanProcessor::Stats s = processor.GetStats();
  EXPECT_EQ(s.enqueued, 25u);
  EXPECT_EQ(s.exported, 0u);
  EXPECT_EQ(s.export_failures, 10u);  // the batch in flight
  EXPECT_EQ(s.dropped, 15u);          // never handed to the exporter
  EXPECT_EQ(stats->failed_spans.load(), 10u);
  EXPECT_EQ(receiver.calls(), 1);
  // After Shutdown: dropped and counted.
  for (auto& sp : Spans(1)) processor.OnEnd(std::move(sp));
  EXPECT_EQ(processor.GetStats().dropped, 16u);
  receiver.Release();
}

TEST(ShutdownInterrupts, ProviderShutdownReturnsByItsDeadline) {
  OtlpTestReceiver receiver;
  receiver.Hold();
  BatchSpanProcessorOptions bsp;
  bsp.max_export_batch_size = 1;
  bsp.export_timeout = absl::Seconds(120);
  TracerProvider provider(TracerProviderOptions{
      nullptr, std::make_unique<BatchSpanProcessor>(
                   std::make_unique<OtlpGrpcExporter>(Silent(receiver)), bsp)});
  { RecordingSpan span = provider.StartSpan("held"); }
  ASSERT_TRUE(receiver.WaitForCalls(1, absl::Seconds(30)));
  const absl::Time start = absl::Now();
  EXPECT_FALSE(provider.Shutdown(absl::Milliseconds(200)));
  EXPECT_LT(absl::Now() - start, absl::Seconds(10));
  auto* processor = static_cast<BatchSpanProcessor*>(provider.processor());
  EXPECT_EQ(processor->GetStats().export_failures, 1u);
  receiver.Release();
}

// Shutdown within its deadline still exports everything (no cancel).
TEST(ShutdownInterrupts, ShutdownInTimeLosesNothing) {
  OtlpTestReceiver receiver;
  auto exporter = std::make_unique<OtlpGrpcExporter>(Silent(receiver));
  BatchSpanProcessorOptions bsp;
  bsp.max_export_batch_size = 10;
  bsp.schedule_delay = absl::Seconds(60);
  BatchSpanProcessor processor(std::move(exporter), bsp);
  for (auto& s : Spans(25)) processor.OnEnd(std::move(s));
  EXPECT_TRUE(processor.Shutdown(absl::Seconds(60)));
  EXPECT_EQ(processor.GetStats().exported, 25u);
  EXPECT_EQ(processor.GetStats().dropped, 0u);
  EXPECT_EQ(receiver.Spans().size(), 25u);
}

}  // namespace
}  // namespace traceprop
