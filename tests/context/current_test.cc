// Tests for traceprop/context/current.h: Current(), ContextScope, SpanScope
// and the scope misuse checks. This target is built with
// TRACEPROP_SCOPE_CHECKS=1 (tests/context/CMakeLists.txt), so the death
// tests always run, in release and sanitizer builds alike.

#include "traceprop/context/current.h"
#include "traceprop/tests/testing/threads.h"

#include <memory>
#include <stdexcept>
#include <thread>
#include <type_traits>
#include <vector>

#include "gtest/gtest.h"

#if !TRACEPROP_SCOPE_CHECKS
#error "current_test must be compiled with TRACEPROP_SCOPE_CHECKS=1"
#endif

namespace traceprop {
namespace {

static_assert(!std::is_copy_constructible_v<ContextScope>);
static_assert(!std::is_move_constructible_v<ContextScope>);
static_assert(!std::is_copy_assignable_v<ContextScope>);
static_assert(!std::is_move_assignable_v<ContextScope>);
static_assert(!std::is_copy_constructible_v<SpanScope>);
static_assert(!std::is_move_constructible_v<SpanScope>);
static_assert(!std::is_copy_assignable_v<SpanScope>);
static_assert(!std::is_move_assignable_v<SpanScope>);

using testing_support::StartGate;

TraceContext Traced(const char* tracestate = nullptr) {
  TraceContext c = TraceContext::NewRoot();
  if (tracestate != nullptr) {
    absl::StatusOr<TraceState> state = TraceState::Parse(tracestate);
    EXPECT_TRUE(state.ok()) << state.status();
    c = c.WithTraceState(*state);
  }
  return c;
}

TEST(CurrentTest, NoScopeMeansInvalidContext) {
  EXPECT_FALSE(Current().IsValid());
  EXPECT_EQ(Current(), TraceContext());
}

TEST(ContextScopeTest, InstallsAndRestoresNoContext) {
  const TraceContext a = Traced("vendor=a");
  {
    ContextScope scope(a);
    EXPECT_EQ(Current(), a);
    EXPECT_EQ(&Current(), &scope.context());
  }
  EXPECT_FALSE(Current().IsValid());
}

TEST(ContextScopeTest, NestingRestoresEachLevel) {
  const TraceContext a = Traced(), b = Traced(), c = Traced();
  ContextScope sa(a);
  {
    ContextScope sb(b);
    EXPECT_EQ(Current(), b);
    {
      ContextScope sc(c);
      EXPECT_EQ(Current(), c);
    }
    EXPECT_EQ(Current(), b);
    {
      ContextScope sa2(a);  // the same context twice is fine
      EXPECT_EQ(Current(), a);
    }
    EXPECT_EQ(Current(), b);
  }
  EXPECT_EQ(Current(), a);
}

TEST(ContextScopeTest, RvalueAndLvalueGiveTheSameContext) {
  TraceContext a = Traced("k=v");
  const TraceContext copy = a;
  ContextScope s1(a);
  EXPECT_EQ(Current(), copy);
  ContextScope s2(std::move(a));
  EXPECT_EQ(Current(), copy);
}

TEST(ContextScopeTest, InvalidContextHidesOuterOne) {
  const TraceContext a = Traced();
  ContextScope outer(a);
  {
    ContextScope none{TraceContext()};
    EXPECT_FALSE(Current().IsValid());
    SpanScope span;  // with nothing current, a new root
    EXPECT_TRUE(Current().IsValid());
    EXPECT_NE(Current().trace_id(), a.trace_id());
  }
  EXPECT_EQ(Current(), a);
}

TEST(ContextScopeTest, RestoresOnException) {
  const TraceContext a = Traced(), b = Traced();
  ContextScope outer(a);
  try {
    ContextScope inner(b);
    SpanScope span;
    ASSERT_EQ(Current().trace_id(), b.trace_id());
    throw std::runtime_error("boom");
  } catch (const std::runtime_error&) {
    EXPECT_EQ(Current(), a);
  }
  EXPECT_EQ(Current(), a);
}

TEST(SpanScopeTest, ChildOfCurrent) {
  const TraceContext parent = Traced("vendor=x");
  ContextScope scope(parent);
  SpanScope span;
  EXPECT_EQ(&Current(), &span.context());
  EXPECT_EQ(span.context().trace_id(), parent.trace_id());
  EXPECT_NE(span.context().span_id(), parent.span_id());
  EXPECT_EQ(span.context().parent_span_id(), parent.span_id());
  EXPECT_EQ(span.context().flags(), parent.flags());
  EXPECT_EQ(span.context().trace_state(), parent.trace_state());
  EXPECT_FALSE(span.context().is_remote());
}

TEST(SpanScopeTest, NestedSpansChainParents) {
  SpanScope root;
  EXPECT_TRUE(root.context().IsValid());
  EXPECT_FALSE(root.context().parent_span_id().IsValid());
  SpanScope child;
  SpanScope grandchild;
  EXPECT_EQ(child.context().parent_span_id(), root.context().span_id());
  EXPECT_EQ(grandchild.context().parent_span_id(), child.context().span_id());
  EXPECT_EQ(grandchild.context().trace_id(), root.context().trace_id());
}

TEST(SpanScopeTest, NewRootWhenNothingCurrent) {
  TraceContext first;
  {
    SpanScope span;
    first = span.context();
    EXPECT_TRUE(first.IsValid());
    EXPECT_TRUE(first.sampled());
  }
  EXPECT_FALSE(Current().IsValid());
  SpanScope again;
  EXPECT_NE(again.context().trace_id(), first.trace_id());
}

TEST(SpanScopeTest, ExplicitParent) {
  const TraceContext current = Traced(), parent = Traced();
  ContextScope scope(current);
  {
    SpanScope span(parent);
    EXPECT_EQ(Current().trace_id(), parent.trace_id());
    EXPECT_EQ(Current().parent_span_id(), parent.span_id());
  }
  {
    SpanScope span{TraceContext()};  // invalid parent: new root
    EXPECT_TRUE(Current().IsValid());
    EXPECT_NE(Current().trace_id(), current.trace_id());
  }
  EXPECT_EQ(Current(), current);
}

// Many threads, each repeatedly installing its own contexts (nested, with
// spans), each always seeing its own and never another thread's.
TEST(CurrentConcurrencyTest, EachThreadSeesOnlyItsOwnContexts) {
  constexpr int kThreads = 8;
  constexpr int kIterations = 20000;
  StartGate start;
  std::vector<int> failures(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([t, &start, &failures] {
      const TraceContext mine = Traced();
      start.Wait();
      int bad = 0;
      for (int i = 0; i < kIterations; ++i) {
        if (Current().IsValid()) ++bad;
        ContextScope scope(mine);
        if (Current() != mine) ++bad;
        {
          SpanScope span;
          if (Current().trace_id() != mine.trace_id() ||
              Current().parent_span_id() != mine.span_id()) {
            ++bad;
          }
          const TraceContext fresh = Traced();
          ContextScope inner(fresh);
          if (Current() != fresh) ++bad;
        }
        if (Current() != mine) ++bad;
      }
      if (Current().IsValid()) ++bad;
      failures[t] = bad;
    });
  }
  start.Open();
  for (std::thread& th : threads) th.join();
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(failures[t], 0) << "thread " << t;
  }
}

TEST(CurrentConcurrencyTest, NewThreadStartsWithNoContext) {
  ContextScope scope(Traced());
  bool valid_on_new_thread = true;
  std::thread([&] { valid_on_new_thread = Current().IsValid(); }).join();
  EXPECT_FALSE(valid_on_new_thread);
}

// Death tests: the checks are compiled in for this target.
class ScopeChecksDeathTest : public ::testing::Test {
 protected:
  void SetUp() override { GTEST_FLAG_SET(death_test_style, "threadsafe"); }
};

TEST_F(ScopeChecksDeathTest, ContextScopeDestroyedOnAnotherThread) {
  EXPECT_DEATH(
      {
        auto scope = std::make_unique<ContextScope>(Traced());
        std::thread([&scope] { scope.reset(); }).join();
      },
      "traceprop: scope .* destroyed on a different thread");
}

TEST_F(ScopeChecksDeathTest, SpanScopeDestroyedOnAnotherThread) {
  EXPECT_DEATH(
      {
        auto span = std::make_unique<SpanScope>();
        std::thread([&span] { span.reset(); }).join();
      },
      "destroyed on a different thread");
}

TEST_F(ScopeChecksDeathTest, OuterScopeDestroyedBeforeInner) {
  EXPECT_DEATH(
      {
        auto outer = std::make_unique<ContextScope>(Traced());
        auto inner = std::make_unique<ContextScope>(Traced());
        outer.reset();
      },
      "traceprop: scope .* destroyed out of order");
}

TEST_F(ScopeChecksDeathTest, SpanScopeDestroyedBeforeInnerScope) {
  EXPECT_DEATH(
      {
        auto span = std::make_unique<SpanScope>();
        ContextScope inner(Traced());
        span.reset();
      },
      "destroyed out of order");
}

// The correct orders do not trip the checks (the same code paths as the
// death tests, used correctly).
TEST(ScopeChecksTest, CorrectUseDoesNotAbort) {
  auto outer = std::make_unique<ContextScope>(Traced());
  auto inner = std::make_unique<SpanScope>();
  inner.reset();
  outer.reset();
  EXPECT_FALSE(Current().IsValid());
  std::thread([] {
    auto scope = std::make_unique<ContextScope>(Traced());
    scope.reset();
  }).join();
}


TEST(BaggageScopeTest, SetsAMemberOnTheCurrentContextAndRestores) {
  const TraceContext outer = TraceContext::NewRoot();
  ContextScope scope(outer);
  EXPECT_TRUE(CurrentBaggage().empty());
  {
    BaggageScope tenant("tenant", "acme");
    EXPECT_TRUE(tenant.status().ok());
    EXPECT_EQ(CurrentBaggage().Get("tenant"), "acme");
    EXPECT_EQ(Current().span_id(), outer.span_id());  // same span
    {
      BaggageScope tier("tier", "gold");
      SpanScope span;  // children keep it
      EXPECT_EQ(CurrentBaggage().Get("tenant"), "acme");
      EXPECT_EQ(CurrentBaggage().Get("tier"), "gold");
    }
    EXPECT_FALSE(CurrentBaggage().Get("tier").has_value());
  }
  EXPECT_TRUE(CurrentBaggage().empty());
  EXPECT_EQ(Current(), outer);
}

TEST(BaggageScopeTest, BadMemberChangesNothing) {
  const TraceContext outer =
      TraceContext::NewRoot().WithBaggage(*Baggage().Set("k", "v"));
  ContextScope scope(outer);
  BaggageScope bad("not a token", "x");
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Current(), outer);
}

TEST(BaggageScopeTest, BaggageWithoutATrace) {
  BaggageScope tenant("tenant", "acme");
  EXPECT_FALSE(Current().IsValid());
  EXPECT_EQ(CurrentBaggage().Get("tenant"), "acme");
  SpanScope span;  // a new root that keeps the baggage
  EXPECT_TRUE(Current().IsValid());
  EXPECT_EQ(CurrentBaggage().Get("tenant"), "acme");
}

TEST(BaggageScopeTest, ReplacesTheWholeBaggage) {
  BaggageScope first("a", "1");
  {
    BaggageScope replaced(*Baggage().Set("b", "2"));
    EXPECT_FALSE(CurrentBaggage().Get("a").has_value());
    EXPECT_EQ(CurrentBaggage().Get("b"), "2");
  }
  EXPECT_EQ(CurrentBaggage().Get("a"), "1");
}

}  // namespace
}  // namespace traceprop
