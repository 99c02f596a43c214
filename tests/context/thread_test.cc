// Tests for MakeThread (traceprop/context/wrap.h).

#include "traceprop/context/wrap.h"

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "gtest/gtest.h"
#include "traceprop/context/current.h"

namespace traceprop {
namespace {

TEST(MakeThreadTest, NewThreadInheritsTheCurrentContext) {
  SpanScope span;
  TraceContext seen;
  std::thread t = MakeThread([&seen] { seen = Current(); });
  t.join();
  EXPECT_EQ(seen, span.context());
  EXPECT_EQ(Current(), span.context());  // the creator's is unchanged
}

TEST(MakeThreadTest, InheritsTheInnermostScope) {
  SpanScope outer;
  TraceContext seen;
  std::thread t;
  {
    SpanScope inner;
    t = MakeThread([&seen] { seen = Current(); });
  }
  t.join();  // ran after `inner` ended: still carries it
  EXPECT_EQ(seen.parent_span_id(), outer.context().span_id());
  EXPECT_EQ(seen.trace_id(), outer.context().trace_id());
}

TEST(MakeThreadTest, ForwardsArgumentsLikeStdThread) {
  const TraceContext given = TraceContext::NewRoot();
  ContextScope scope(given);
  std::string out;
  int counter = 1;
  std::thread t = MakeThread(
      [](std::unique_ptr<int> p, std::string s, int& c, std::string* o) {
        c += *p;
        *o = s + Current().trace_id().ToHex();
      },
      std::make_unique<int>(41), std::string("id="), std::ref(counter), &out);
  t.join();
  EXPECT_EQ(counter, 42);
  EXPECT_EQ(out, "id=" + given.trace_id().ToHex());
}

TEST(MakeThreadTest, NoContextMeansNoContext) {
  bool valid = true;
  std::thread t = MakeThread([&valid] { valid = Current().IsValid(); });
  t.join();
  EXPECT_FALSE(valid);
}

// Another context than the current one: std::thread over Wrap(context, f).
TEST(MakeThreadTest, WrapRunsAThreadUnderTheGivenContext) {
  const TraceContext given = TraceContext::NewRoot();
  ContextScope scope(TraceContext::NewRoot());
  TraceContext seen;
  std::thread t(Wrap(given, [&seen](int) { seen = Current(); }), 0);
  t.join();
  EXPECT_EQ(seen, given);
}

TEST(MakeThreadTest, NestedThreadsChainSpans) {
  SpanScope root;
  TraceContext grandchild_span, child_span;
  std::thread t = MakeThread([&] {
    SpanScope child;
    child_span = child.context();
    std::thread inner = MakeThread([&] {
      SpanScope grandchild;
      grandchild_span = grandchild.context();
    });
    inner.join();
  });
  t.join();
  EXPECT_EQ(child_span.parent_span_id(), root.context().span_id());
  EXPECT_EQ(grandchild_span.parent_span_id(), child_span.span_id());
  EXPECT_EQ(grandchild_span.trace_id(), root.context().trace_id());
}

}  // namespace
}  // namespace traceprop
