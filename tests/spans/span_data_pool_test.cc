#include "traceprop/spans/internal/span_data_pool.h"

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <vector>

#include "gtest/gtest.h"
#include "traceprop/context/id_generator.h"
#include "traceprop/exporters/otlp_json_exporter.h"
#include "traceprop/spans/in_memory_exporter.h"
#include "traceprop/spans/processor.h"
#include "traceprop/spans/provider.h"
#include "traceprop/spans/span.h"

namespace traceprop {
namespace internal {
namespace {

// The pool is process-wide: each test starts with it empty.
void DrainPool() { DrainPoolForTesting(); }

// A span with every field away from its default.
std::unique_ptr<SpanData> FullSpan() {
  auto s = std::make_unique<SpanData>();
  const TraceContext linked(GenerateTraceId(), GenerateSpanId(), TraceFlags(),
                            {});
  s->trace_id = GenerateTraceId();
  s->span_id = GenerateSpanId();
  s->parent_span_id = GenerateSpanId();
  s->parent_is_remote = true;
  s->flags = TraceFlags().WithSampled(true).WithRandom(true);
  s->trace_state = "congo=t61rcWkgMzE";
  s->name = "a.long.package.Service/AMethodNameLongerThanSso";
  s->kind = SpanKind::kServer;
  s->start_unix_nano = 11;
  s->end_unix_nano = 12;
  s->status = StatusCode::kError;
  s->status_message = "a status message longer than the SSO buffer";
  s->rpc.is_rpc = true;
  s->rpc.grpc_status_code = 14;
  s->rpc.server_port = 443;
  s->rpc.server_address = "a.server.address.longer.than.sso.example";
  s->rpc.peer = "ipv6:[2001:db8::1234:5678]:50051";
  for (int i = 0; i < 9; ++i) {
    s->attributes.push_back(
        {"attribute.key.longer.than.sso." + std::to_string(i),
         std::string("a value longer than the SSO buffer")});
  }
  s->events.push_back(
      {"exception", 13, {{"exception.type", std::string("x")}}});
  s->links.push_back({linked, {{"link.kind", std::string("origin")}}});
  s->dropped_attributes = 14;
  s->dropped_events = 15;
  s->dropped_links = 16;
  return s;
}

std::string Json(std::unique_ptr<SpanData> span) {
  std::vector<std::unique_ptr<SpanData>> batch;
  batch.push_back(std::move(span));
  return OtlpJsonExporter::ToJsonLine(batch, {});
}

TEST(SpanDataPoolTest, AReusedSpanIsEmptyAndKeepsItsBuffers) {
  DrainPool();
  std::vector<std::unique_ptr<SpanData>> spans;
  spans.push_back(FullSpan());
  const SpanData* recycled = spans.back().get();
  const size_t attribute_capacity = spans.back()->attributes.capacity();
  const size_t name_capacity = spans.back()->name.capacity();
  const size_t peer_capacity = spans.back()->rpc.peer.capacity();
  RecycleSpanData(spans);
  EXPECT_TRUE(spans.empty());
  ASSERT_EQ(PooledSpanDataForTesting(), 1u);

  std::unique_ptr<SpanData> reused = NewSpanData();
  ASSERT_EQ(reused.get(), recycled);
  EXPECT_EQ(reused->attributes.capacity(), attribute_capacity);
  EXPECT_EQ(reused->name.capacity(), name_capacity);
  EXPECT_EQ(reused->rpc.peer.capacity(), peer_capacity);
  // Field by field, then everything an exporter writes: a field Empty()
  // forgets shows in the OTLP JSON of the reused span.
  EXPECT_FALSE(reused->trace_id.IsValid());
  EXPECT_FALSE(reused->span_id.IsValid());
  EXPECT_FALSE(reused->parent_span_id.IsValid());
  EXPECT_FALSE(reused->parent_is_remote);
  EXPECT_FALSE(reused->flags.sampled());
  EXPECT_TRUE(reused->trace_state.empty());
  EXPECT_TRUE(reused->name.empty());
  EXPECT_EQ(reused->kind, SpanKind::kInternal);
  EXPECT_EQ(reused->start_unix_nano, 0u);
  EXPECT_EQ(reused->end_unix_nano, 0u);
  EXPECT_EQ(reused->status, StatusCode::kUnset);
  EXPECT_TRUE(reused->status_message.empty());
  EXPECT_FALSE(reused->rpc.is_rpc);
  EXPECT_EQ(reused->rpc.grpc_status_code, -1);
  EXPECT_EQ(reused->rpc.server_port, -1);
  EXPECT_TRUE(reused->rpc.server_address.empty());
  EXPECT_TRUE(reused->rpc.peer.empty());
  EXPECT_TRUE(reused->attributes.empty());
  EXPECT_TRUE(reused->events.empty());
  EXPECT_TRUE(reused->links.empty());
  EXPECT_EQ(reused->dropped_attributes, 0u);
  EXPECT_EQ(reused->dropped_events, 0u);
  EXPECT_EQ(reused->dropped_links, 0u);
  EXPECT_EQ(Json(std::move(reused)), Json(std::make_unique<SpanData>()));
  EXPECT_NE(Json(FullSpan()), Json(std::make_unique<SpanData>()));
}

// Only short strings keep their buffers: what the pool holds stays
// bounded.
TEST(SpanDataPoolTest, LongStringsAreFreed) {
  DrainPool();
  std::vector<std::unique_ptr<SpanData>> spans;
  auto long_strings = std::make_unique<SpanData>();
  long_strings->name.assign(kKeptStringCapacity + 1, 'n');
  long_strings->rpc.peer.assign(kKeptStringCapacity + 1, 'p');
  long_strings->rpc.server_address.assign(kKeptStringCapacity + 1, 's');
  spans.push_back(std::move(long_strings));
  RecycleSpanData(spans);
  ASSERT_EQ(PooledSpanDataForTesting(), 1u);
  std::unique_ptr<SpanData> reused = NewSpanData();
  EXPECT_LE(reused->name.capacity(), kKeptStringCapacity);
  EXPECT_LE(reused->rpc.peer.capacity(), kKeptStringCapacity);
  EXPECT_LE(reused->rpc.server_address.capacity(), kKeptStringCapacity);
}

TEST(SpanDataPoolTest, ThePoolIsBoundedAndSkipsNulls) {
  DrainPool();
  std::vector<std::unique_ptr<SpanData>> spans;
  spans.push_back(nullptr);
  for (size_t i = 0; i < kMaxPooledSpanData + 10; ++i)
    spans.push_back(std::make_unique<SpanData>());
  spans.push_back(nullptr);
  RecycleSpanData(spans);
  EXPECT_TRUE(spans.empty());
  EXPECT_EQ(PooledSpanDataForTesting(), kMaxPooledSpanData);
  RecycleSpanData(spans);  // empty: nothing changes
  EXPECT_EQ(PooledSpanDataForTesting(), kMaxPooledSpanData);
  DrainPool();
  EXPECT_NE(NewSpanData(), nullptr);  // an empty pool allocates
}

// Through a provider: exported spans come back to the pool, the next
// spans recorded reuse them — with exactly their own attributes, whatever
// the reused one held — and what an exporter copied stays intact.
TEST(SpanDataPoolTest, ExportedSpansAreReusedByLaterSpans) {
  DrainPool();
  auto exporter = std::make_unique<InMemoryExporter>();
  std::shared_ptr<InMemorySpans> store = exporter->storage();
  TracerProvider provider(TracerProviderOptions{
      nullptr, std::make_unique<BatchSpanProcessor>(std::move(exporter))});
  const TraceContext root = TraceContext::NewRoot(/*sampled=*/true);
  for (int i = 0; i < 4; ++i) {
    RecordingSpan span = provider.Record(
        root.Child(), "first/" + std::to_string(i), SpanKind::kClient);
    span.SetAttribute("rpc.service", "a.Service");
    span.SetAttribute("rpc.grpc.status_code", int64_t{i});
    span.SetAttribute("peer", "10.0.0.1");
    span.rpc_attributes()->is_rpc = true;
    span.rpc_attributes()->peer = "ipv4:10.0.0.1:80";
  }
  ASSERT_TRUE(provider.ForceFlush(absl::Seconds(30)));
  ASSERT_EQ(PooledSpanDataForTesting(), 4u);
  {  // none of the reused span's attributes
    RecordingSpan span =
        provider.Record(root.Child(), "none", SpanKind::kServer);
    EXPECT_EQ(PooledSpanDataForTesting(), 3u);
  }
  {  // the same keys in another order, one value of another type, one fewer
    RecordingSpan span =
        provider.Record(root.Child(), "fewer", SpanKind::kServer);
    span.SetAttribute("rpc.grpc.status_code", "OK");
    span.SetAttribute("rpc.service", "b.Service");
    span.SetAttribute("rpc.service", "c.Service");  // replaces b.Service
  }
  {  // more than the reused span had
    RecordingSpan span =
        provider.Record(root.Child(), "more", SpanKind::kServer);
    span.SetAttribute("rpc.service", "a.Service");
    span.SetAttribute("rpc.grpc.status_code", int64_t{7});
    span.SetAttribute("peer", "10.0.0.2");
    span.SetAttribute("extra", true);
  }
  ASSERT_TRUE(provider.ForceFlush(absl::Seconds(30)));
  std::vector<SpanData> got = store->Take();
  ASSERT_EQ(got.size(), 7u);
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(got[i].name, "first/" + std::to_string(i));
    EXPECT_EQ(got[i].kind, SpanKind::kClient);
    ASSERT_EQ(got[i].attributes.size(), 3u);
    EXPECT_EQ(got[i].FindAttribute("network.peer.address"),
              AttributeValue(std::string("10.0.0.1")));
    ASSERT_TRUE(got[i].FindAttribute("rpc.grpc.status_code"));
    EXPECT_EQ(*got[i].FindAttribute("rpc.grpc.status_code"),
              AttributeValue(int64_t{i}));
  }
  EXPECT_EQ(got[4].name, "none");
  EXPECT_EQ(got[4].kind, SpanKind::kServer);
  EXPECT_TRUE(got[4].attributes.empty());
  EXPECT_FALSE(got[4].FindAttribute("rpc.system"));
  EXPECT_FALSE(got[4].FindAttribute("network.peer.address"));
  EXPECT_EQ(got[5].name, "fewer");
  ASSERT_EQ(got[5].attributes.size(), 2u);
  EXPECT_EQ(got[5].attributes[0].key, "rpc.grpc.status_code");
  EXPECT_EQ(got[5].attributes[0].value, AttributeValue(std::string("OK")));
  EXPECT_EQ(got[5].attributes[1].key, "rpc.service");
  EXPECT_EQ(got[5].attributes[1].value,
            AttributeValue(std::string("c.Service")));
  ASSERT_EQ(got[6].attributes.size(), 4u);
  ASSERT_TRUE(got[6].FindAttribute("peer"));
  EXPECT_EQ(*got[6].FindAttribute("peer"),
            AttributeValue(std::string("10.0.0.2")));
  ASSERT_TRUE(got[6].FindAttribute("extra"));
  EXPECT_EQ(*got[6].FindAttribute("extra"), AttributeValue(true));
  EXPECT_EQ(PooledSpanDataForTesting(), 4u);
  provider.Shutdown(absl::Seconds(30));
}

// An exporter held inside Export until released. Thread-safe.
class HeldExporter final : public SpanExporter {
 public:
  ExportResult Export(const std::vector<std::unique_ptr<SpanData>>&) override {
    std::unique_lock<std::mutex> lock(mu_);
    inside_ = true;
    cv_.notify_all();
    cv_.wait(lock, [&] { return released_; });
    return ExportResult::kSuccess;
  }
  bool WaitInside() {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(30),
                        [&] { return inside_; });
  }
  void Release() {
    std::lock_guard<std::mutex> lock(mu_);
    released_ = true;
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool inside_ = false;
  bool released_ = false;
};

// A span dropped because the queue is full (a collector that is down)
// comes back to the pool too.
TEST(SpanDataPoolTest, DroppedSpansAreReused) {
  DrainPool();
  auto owned = std::make_unique<HeldExporter>();
  HeldExporter* exporter = owned.get();
  BatchSpanProcessor::Options o;
  o.max_queue_size = 2;
  o.max_export_batch_size = 1;
  BatchSpanProcessor processor(std::move(owned), o);
  processor.OnEnd(std::make_unique<SpanData>());  // a full batch: exported
  ASSERT_TRUE(exporter->WaitInside());
  processor.OnEnd(std::make_unique<SpanData>());  // queued
  processor.OnEnd(std::make_unique<SpanData>());  // queued: the queue is full
  EXPECT_EQ(PooledSpanDataForTesting(), 0u);
  processor.OnEnd(std::make_unique<SpanData>());  // dropped
  EXPECT_EQ(processor.GetStats().dropped, 1u);
  EXPECT_EQ(PooledSpanDataForTesting(), 1u);
  exporter->Release();
  EXPECT_TRUE(processor.Shutdown(absl::Seconds(30)));
}

// A span moved before it ends keeps every attribute set on it, on either
// side of the move.
TEST(SpanDataPoolTest, AMovedSpanKeepsItsAttributes) {
  auto exporter = std::make_unique<InMemoryExporter>();
  std::shared_ptr<InMemorySpans> store = exporter->storage();
  TracerProvider provider(TracerProviderOptions{
      nullptr, std::make_unique<BatchSpanProcessor>(std::move(exporter))});
  {
    RecordingSpan first = provider.Record(TraceContext::NewRoot(true), "moved",
                                          SpanKind::kInternal);
    first.SetAttribute("before", int64_t{1});
    RecordingSpan second;
    second = std::move(first);
    second.SetAttribute("after", int64_t{2});
  }
  ASSERT_TRUE(provider.ForceFlush(absl::Seconds(30)));
  std::vector<SpanData> got = store->Take();
  ASSERT_EQ(got.size(), 1u);
  ASSERT_EQ(got[0].attributes.size(), 2u);
  EXPECT_EQ(got[0].attributes[0].key, "before");
  EXPECT_EQ(got[0].attributes[1].key, "after");
  provider.Shutdown(absl::Seconds(30));
}

}  // namespace
}  // namespace internal
}  // namespace traceprop
