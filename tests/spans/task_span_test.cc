#include "traceprop/spans/task_span.h"

#include <memory>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "traceprop/spans/in_memory_exporter.h"
#include "traceprop/spans/provider.h"

namespace traceprop {
namespace {

class TaskSpanTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto exporter = std::make_unique<InMemoryExporter>();
    spans_ = exporter->storage();
    provider_ = std::make_shared<TracerProvider>(TracerProviderOptions{
        nullptr, std::make_unique<BatchSpanProcessor>(std::move(exporter))});
    InstallTracerProvider(provider_);
  }
  void TearDown() override {
    InstallTracerProvider(nullptr);
    provider_->Shutdown(absl::Seconds(10));
  }
  std::vector<SpanData> Flush() {
    EXPECT_TRUE(provider_->ForceFlush(absl::Seconds(10)));
    return spans_->Take();
  }
  // Enqueues under a PRODUCER span and returns the payload.
  v1::TraceContext Produce(TraceContext* producer) {
    Span enqueue("enqueue", {SpanKind::kProducer});
    *producer = enqueue.context();
    return CurrentTaskPayload();
  }

  std::shared_ptr<TracerProvider> provider_;
  std::shared_ptr<InMemorySpans> spans_;
};

TEST_F(TaskSpanTest, ContinuedTaskIsAConsumerChildOfTheProducer) {
  TraceContext producer;
  const v1::TraceContext payload = Produce(&producer);
  TraceContext in_worker;
  std::thread worker([&] {
    TaskSpan task(payload, "reindex");
    EXPECT_TRUE(task.IsRecording());
    EXPECT_EQ(Current(), task.context());
    in_worker = task.context();
    task->SetAttribute("job", "reindex");
  });
  worker.join();
  std::vector<SpanData> got = Flush();
  ASSERT_EQ(got.size(), 2u);
  const SpanData& enqueue = got[0];
  const SpanData& run = got[1];
  EXPECT_EQ(enqueue.kind, SpanKind::kProducer);
  EXPECT_EQ(enqueue.span_id, producer.span_id());
  EXPECT_EQ(run.kind, SpanKind::kConsumer);
  EXPECT_EQ(run.name, "reindex");
  EXPECT_EQ(run.span_id, in_worker.span_id());
  EXPECT_EQ(run.trace_id, enqueue.trace_id);
  EXPECT_EQ(run.parent_span_id, enqueue.span_id);
  EXPECT_TRUE(run.parent_is_remote);
  EXPECT_TRUE(run.links.empty());
}

TEST_F(TaskSpanTest, NewTraceTaskLinksItsOrigin) {
  TraceContext producer;
  const v1::TraceContext payload = Produce(&producer);
  {
    TaskSpan task(payload, "nightly", TaskTrace::kNewTrace);
    EXPECT_NE(task.context().trace_id(), producer.trace_id());
  }
  EXPECT_FALSE(Current().IsValid());
  std::vector<SpanData> got = Flush();
  ASSERT_EQ(got.size(), 2u);
  const SpanData& run = got[1];
  EXPECT_EQ(run.kind, SpanKind::kConsumer);
  EXPECT_FALSE(run.parent_span_id.IsValid());
  EXPECT_NE(run.trace_id, producer.trace_id());
  ASSERT_EQ(run.links.size(), 1u);
  EXPECT_EQ(run.links[0].context.trace_id(), producer.trace_id());
  EXPECT_EQ(run.links[0].context.span_id(), producer.span_id());
}

TEST_F(TaskSpanTest, BadPayloadStartsARootAndSaysWhy) {
  v1::TraceContext bad;
  bad.set_trace_id("short");
  bad.set_span_id("12345678");
  bad.set_trace_flags(1);
  {
    TaskSpan task(bad, "job");
    EXPECT_FALSE(task.status().ok());
    EXPECT_TRUE(task.context().IsValid());
    EXPECT_FALSE(task.origin().IsValid());
  }
  std::vector<SpanData> got = Flush();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_FALSE(got[0].parent_span_id.IsValid());
  EXPECT_TRUE(got[0].links.empty());
  ASSERT_EQ(got[0].events.size(), 1u);
  EXPECT_EQ(got[0].events[0].name, "invalid task payload");
}

TEST(TaskSpanWithoutProvider, IsATaskScope) {
  TraceContext origin = TraceContext::NewRoot();
  v1::TraceContext payload;
  {
    ContextScope scope(origin);
    payload = CurrentTaskPayload();
  }
  TaskSpan task(payload, "job");
  EXPECT_FALSE(task.IsRecording());
  EXPECT_EQ(Current(), task.context());
  EXPECT_EQ(task.context().trace_id(), origin.trace_id());
  EXPECT_EQ(task.context().parent_span_id(), origin.span_id());
}

}  // namespace
}  // namespace traceprop
