// Tests for traceprop/context/background.h.

#include "traceprop/context/background.h"

#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "gtest/gtest.h"
#include "traceprop/context/current.h"
#include "traceprop/context/proto_conversion.h"

namespace traceprop {
namespace {

TraceContext Producer(bool sampled = true) {
  TraceContext c = TraceContext::NewRoot(sampled);
  absl::StatusOr<TraceState> state = TraceState::Parse("vendor=abc,other=1");
  EXPECT_TRUE(state.ok()) << state.status();
  return c.WithTraceState(*state);
}

// The payload crosses a "queue" as bytes, like a real task payload.
v1::TraceContext ThroughTheQueue(const v1::TraceContext& payload) {
  std::string bytes;
  EXPECT_TRUE(payload.SerializeToString(&bytes));
  v1::TraceContext received;
  EXPECT_TRUE(received.ParseFromString(bytes));
  return received;
}

TEST(BackgroundTest, PayloadOfTheCurrentContext) {
  const TraceContext producer = Producer();
  ContextScope scope(producer);
  v1::TraceContext payload = CurrentTaskPayload();
  absl::StatusOr<TraceContext> back = FromProto(payload);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->trace_id(), producer.trace_id());
  EXPECT_EQ(back->span_id(), producer.span_id());
}

TEST(BackgroundTest, ContinueIsAChildSpanOfTheProducer) {
  const TraceContext producer = Producer();
  v1::TraceContext payload;
  {
    ContextScope scope(producer);
    payload = ThroughTheQueue(CurrentTaskPayload());
  }
  TraceContext in_task, after_task;
  std::thread worker([&] {
    {
      TaskScope task(payload);  // kContinue is the default
      EXPECT_TRUE(task.status().ok());
      in_task = Current();
      EXPECT_EQ(in_task, task.context());
      EXPECT_EQ(task.origin().span_id(), producer.span_id());
      EXPECT_TRUE(task.origin().is_remote());
      EXPECT_TRUE(task.continues_origin());
    }
    after_task = Current();
  });
  worker.join();
  EXPECT_EQ(in_task.trace_id(), producer.trace_id());
  EXPECT_EQ(in_task.parent_span_id(), producer.span_id());
  EXPECT_NE(in_task.span_id(), producer.span_id());
  EXPECT_EQ(in_task.trace_state(), producer.trace_state());
  EXPECT_EQ(in_task.flags().WireValue(), producer.flags().WireValue());
  EXPECT_FALSE(after_task.IsValid());
}

TEST(BackgroundTest, NewTraceRecordsTheOrigin) {
  for (bool sampled : {true, false}) {
    const TraceContext producer = Producer(sampled);
    v1::TraceContext payload = ThroughTheQueue(ToProto(producer));
    const TraceContext outer = TraceContext::NewRoot();
    ContextScope outer_scope(outer);
    {
      TaskScope task(payload, TaskTrace::kNewTrace);
      EXPECT_TRUE(task.status().ok());
      EXPECT_EQ(Current(), task.context());
      EXPECT_TRUE(task.context().IsValid());
      EXPECT_NE(task.context().trace_id(), producer.trace_id());
      EXPECT_NE(task.context().trace_id(), outer.trace_id());
      EXPECT_FALSE(task.context().parent_span_id().IsValid());
      EXPECT_TRUE(task.context().trace_state().empty());
      EXPECT_EQ(task.context().sampled(), sampled);
      // The link to where it came from.
      EXPECT_EQ(task.origin().trace_id(), producer.trace_id());
      EXPECT_EQ(task.origin().span_id(), producer.span_id());
      EXPECT_EQ(task.origin().trace_state(), producer.trace_state());
      EXPECT_FALSE(task.continues_origin());
    }
    EXPECT_EQ(Current(), outer);
  }
}

TEST(BackgroundTest, EmptyPayloadStartsARootWithoutError) {
  v1::TraceContext payload = CurrentTaskPayload();  // nothing current
  EXPECT_EQ(payload.ByteSizeLong(), 0u);
  for (TaskTrace mode : {TaskTrace::kContinue, TaskTrace::kNewTrace}) {
    TaskScope task(payload, mode);
    EXPECT_TRUE(task.status().ok());
    EXPECT_TRUE(task.context().IsValid());
    EXPECT_FALSE(task.context().parent_span_id().IsValid());
    EXPECT_FALSE(task.origin().IsValid());
    EXPECT_FALSE(task.continues_origin());
  }
}

struct BadPayload {
  const char* name;
  v1::TraceContext message;
  const char* why;  // a fragment of the status message
};

std::vector<BadPayload> BadPayloads() {
  const v1::TraceContext good = ToProto(Producer());
  std::vector<BadPayload> bad;
  auto add = [&bad](const char* name, v1::TraceContext m, const char* why) {
    bad.push_back({name, std::move(m), why});
  };
  v1::TraceContext m = good;
  m.set_trace_id(good.trace_id().substr(0, 15));
  add("short_trace_id", m, "trace-id");
  m = good;
  m.set_trace_id(std::string(16, '\0'));
  add("zero_trace_id", m, "trace-id is all zeros");
  m = good;
  m.set_span_id(good.span_id() + "x");
  add("long_span_id", m, "span-id");
  m = good;
  m.set_span_id(std::string(8, '\0'));
  add("zero_span_id", m, "span-id is all zeros");
  m = good;
  m.clear_span_id();
  add("missing_span_id", m, "span-id");
  m = good;
  m.set_trace_flags(0x100);
  add("flags_above_a_byte", m, "trace_flags");
  m = v1::TraceContext();
  m.set_tracestate("vendor=abc");
  add("tracestate_only", m, "trace-id");
  m = v1::TraceContext();
  m.set_trace_flags(1);
  add("flags_only", m, "trace-id");
  return bad;
}

TEST(BackgroundTest, BadPayloadsNeverBecomeTheContext) {
  for (const BadPayload& bad : BadPayloads()) {
    for (TaskTrace mode : {TaskTrace::kContinue, TaskTrace::kNewTrace}) {
      SCOPED_TRACE(bad.name);
      const TraceContext outer = TraceContext::NewRoot();
      ContextScope outer_scope(outer);
      TaskScope task(ThroughTheQueue(bad.message), mode);
      EXPECT_EQ(task.status().code(), absl::StatusCode::kInvalidArgument);
      EXPECT_NE(task.status().message().find(bad.why), std::string::npos)
          << task.status();
      EXPECT_NE(task.status().message().find("started a new trace"),
                std::string::npos);
      // A fresh root: neither the payload's ids nor the worker's outer
      // context.
      EXPECT_TRUE(Current().IsValid());
      EXPECT_EQ(Current(), task.context());
      EXPECT_FALSE(Current().parent_span_id().IsValid());
      EXPECT_NE(Current().trace_id(), outer.trace_id());
      const std::string& id = bad.message.trace_id();
      if (id.size() == 16) {
        EXPECT_NE(std::string(reinterpret_cast<const char*>(
                                  Current().trace_id().bytes().data()),
                              16),
                  id);
      }
      EXPECT_FALSE(task.origin().IsValid());
      EXPECT_FALSE(task.continues_origin());
    }
  }
}

TEST(BackgroundTest, InvalidTracestateAloneIsDropped) {
  const TraceContext producer = Producer();
  v1::TraceContext payload = ToProto(producer);
  payload.set_tracestate("Not A Valid=Member!");
  TaskScope task(payload);
  EXPECT_TRUE(task.status().ok());
  EXPECT_EQ(task.context().trace_id(), producer.trace_id());
  EXPECT_TRUE(task.context().trace_state().empty());
}


Baggage Tenant() { return *Baggage().Set("tenant", "acme"); }

TEST(BackgroundBaggageTest, ContinueCarriesBaggage) {
  v1::TraceContext payload;
  const TraceContext producer = TraceContext::NewRoot().WithBaggage(Tenant());
  {
    ContextScope scope(producer);
    payload = CurrentTaskPayload();
  }
  TaskScope task(payload, TaskTrace::kContinue);
  EXPECT_TRUE(task.status().ok());
  EXPECT_EQ(task.context().trace_id(), producer.trace_id());
  EXPECT_EQ(CurrentBaggage(), Tenant());
}

TEST(BackgroundBaggageTest, NewTraceKeepsBaggage) {
  v1::TraceContext payload =
      ToProto(TraceContext::NewRoot().WithBaggage(Tenant()));
  TaskScope task(payload, TaskTrace::kNewTrace);
  EXPECT_TRUE(task.status().ok());
  EXPECT_NE(task.context().trace_id(), task.origin().trace_id());
  EXPECT_EQ(task.context().baggage(), Tenant());
}

TEST(BackgroundBaggageTest, BaggageOnlyPayloadGivesNewRootWithBaggage) {
  v1::TraceContext payload;
  {
    BaggageScope tenant("tenant", "acme");
    payload = CurrentTaskPayload();
  }
  TaskScope task(payload);
  EXPECT_TRUE(task.status().ok());
  EXPECT_FALSE(task.origin().IsValid());
  EXPECT_TRUE(task.context().IsValid());
  EXPECT_EQ(task.context().baggage(), Tenant());
}

TEST(BackgroundBaggageTest, RejectedPayloadDropsBaggage) {
  v1::TraceContext payload =
      ToProto(TraceContext::NewRoot().WithBaggage(Tenant()));
  payload.set_trace_id("short");
  TaskScope task(payload);
  EXPECT_FALSE(task.status().ok());
  EXPECT_TRUE(task.context().baggage().empty());
}

}  // namespace
}  // namespace traceprop
