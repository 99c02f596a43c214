// Tests for traceprop/context/wrap.h.

#include "traceprop/context/wrap.h"

#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>

#include "absl/functional/any_invocable.h"
#include "gtest/gtest.h"
#include "traceprop/context/current.h"

namespace traceprop {
namespace {

TraceContext Seen() { return Current(); }

// A callable that records the context it ran under.
struct Recorder {
  TraceContext* out;
  void operator()() const { *out = Current(); }
};

TEST(WrapTest, CarriesTheGivenContextNotTheCurrentOne) {
  const TraceContext given = TraceContext::NewRoot();
  const TraceContext at_wrap = TraceContext::NewRoot();
  const TraceContext at_call = TraceContext::NewRoot();
  TraceContext seen;
  std::function<void()> wrapped;
  {
    ContextScope scope(at_wrap);
    wrapped = Wrap(given, Recorder{&seen});
  }
  ContextScope scope(at_call);
  wrapped();
  EXPECT_EQ(seen, given);
  EXPECT_EQ(Current(), at_call);  // restored after the call
}

TEST(WrapTest, OneArgumentFormCapturesAtWrapTime) {
  const TraceContext at_wrap = TraceContext::NewRoot();
  TraceContext seen;
  std::function<void()> wrapped;
  {
    ContextScope scope(at_wrap);
    wrapped = Wrap(Recorder{&seen});
  }
  {
    ContextScope scope(TraceContext::NewRoot());
    wrapped();
  }
  EXPECT_EQ(seen, at_wrap);
  wrapped();  // and with nothing current
  EXPECT_EQ(seen, at_wrap);
  EXPECT_FALSE(Current().IsValid());
}

TEST(WrapTest, WrappedWithNoContextHidesTheCallersContext) {
  auto wrapped = Wrap(&Seen);  // nothing current at wrap time
  ContextScope scope(TraceContext::NewRoot());
  EXPECT_FALSE(wrapped().IsValid());
  EXPECT_TRUE(Current().IsValid());
  auto explicitly_none = Wrap(TraceContext(), &Seen);
  EXPECT_FALSE(explicitly_none().IsValid());
}

TEST(WrapTest, ForwardsArgumentsAndReturnsTheResult) {
  const TraceContext given = TraceContext::NewRoot();
  auto concat = Wrap(given, [](std::string a, const std::string& b, int n) {
    return a + b + std::to_string(n) + Current().trace_id().ToHex();
  });
  EXPECT_EQ(concat("x", "y", 3), "xy3" + given.trace_id().ToHex());

  // References in and out stay references.
  int value = 1;
  auto ref = Wrap(given, [](int& v) -> int& { return ++v; });
  int& r = ref(value);
  EXPECT_EQ(&r, &value);
  EXPECT_EQ(value, 2);

  // A move-only argument.
  auto take = Wrap(given, [](std::unique_ptr<int> p) { return *p * 2; });
  EXPECT_EQ(take(std::make_unique<int>(21)), 42);

  // Member function pointers go through std::invoke.
  struct Counter {
    int n = 0;
    int Add(int k) { return n += k; }
  };
  Counter counter;
  auto add = Wrap(given, &Counter::Add);
  EXPECT_EQ(add(counter, 5), 5);
  EXPECT_EQ(add(&counter, 2), 7);
}

TEST(WrapTest, MoveOnlyCallables) {
  const TraceContext given = TraceContext::NewRoot();
  auto owner = std::make_unique<int>(7);
  auto wrapped = Wrap(
      given, [p = std::move(owner)] { return std::make_pair(*p, Current()); });
  static_assert(!std::is_copy_constructible_v<decltype(wrapped)>);
  static_assert(std::is_move_constructible_v<decltype(wrapped)>);

  absl::AnyInvocable<std::pair<int, TraceContext>()> stored =
      std::move(wrapped);
  auto [value, seen] = stored();
  EXPECT_EQ(value, 7);
  EXPECT_EQ(seen, given);
  EXPECT_FALSE(Current().IsValid());
}

TEST(WrapTest, RvalueCallInvokesAnRvalueCallable) {
  // A one-shot callable: only callable as an rvalue.
  struct OneShot {
    std::unique_ptr<std::string> payload;
    std::string operator()() && {
      return *std::move(payload) + ":" + Current().span_id().ToHex();
    }
  };
  const TraceContext given = TraceContext::NewRoot();
  auto wrapped = Wrap(given, OneShot{std::make_unique<std::string>("payload")});
  static_assert(!std::is_invocable_v<decltype(wrapped)&>);
  static_assert(std::is_invocable_v<decltype(wrapped)&&>);
  EXPECT_EQ(std::move(wrapped)(), "payload:" + given.span_id().ToHex());
}

TEST(WrapTest, MutableCallableKeepsState) {
  auto counter =
      Wrap(TraceContext::NewRoot(), [n = 0]() mutable { return ++n; });
  EXPECT_EQ(counter(), 1);
  EXPECT_EQ(counter(), 2);
  static_assert(!std::is_invocable_v<const decltype(counter)&>);
  auto copy = counter;  // copyable callable: copyable wrapper
  EXPECT_EQ(copy(), 3);
  EXPECT_EQ(counter(), 3);
}

TEST(WrapTest, NotInvocableWithWrongArgumentsIsSfinaeFriendly) {
  auto wrapped = Wrap(TraceContext::NewRoot(), [](int) {});
  static_assert(std::is_invocable_v<decltype(wrapped)&, int>);
  static_assert(!std::is_invocable_v<decltype(wrapped)&, std::string>);
  static_assert(!std::is_invocable_v<decltype(wrapped)&>);
  (void)wrapped;
}

TEST(WrapTest, RestoresOnException) {
  const TraceContext given = TraceContext::NewRoot();
  const TraceContext outer = TraceContext::NewRoot();
  ContextScope scope(outer);
  auto thrower = Wrap(given, [&given] {
    EXPECT_EQ(Current(), given);
    throw std::runtime_error("from the callable");
  });
  try {
    thrower();
    ADD_FAILURE() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "from the callable");
    EXPECT_EQ(Current(), outer);
  }
  EXPECT_EQ(Current(), outer);
}

TEST(WrapTest, InnerScopesInsideTheCallAreUnwound) {
  const TraceContext given = TraceContext::NewRoot();
  auto wrapped = Wrap(given, [&given] {
    SpanScope span;
    EXPECT_EQ(Current().parent_span_id(), given.span_id());
    return span.context();
  });
  TraceContext child = wrapped();
  EXPECT_EQ(child.trace_id(), given.trace_id());
  EXPECT_FALSE(Current().IsValid());
}

TEST(WrapTest, NestedWrapsRestoreInTurn) {
  const TraceContext a = TraceContext::NewRoot(), b = TraceContext::NewRoot();
  auto inner = Wrap(b, &Seen);
  auto outer = Wrap(a, [&inner] {
    TraceContext in_inner = inner();
    return std::make_pair(in_inner, Current());
  });
  auto [in_inner, after_inner] = outer();
  EXPECT_EQ(in_inner, b);
  EXPECT_EQ(after_inner, a);
  EXPECT_FALSE(Current().IsValid());
}

TEST(WrapTest, RunsUnderItsContextOnAnotherThread) {
  const TraceContext given = TraceContext::NewRoot();
  TraceContext seen;
  bool valid_after = true;
  std::thread worker([wrapped = Wrap(given, Recorder{&seen}), &valid_after] {
    wrapped();
    valid_after = Current().IsValid();
  });
  worker.join();
  EXPECT_EQ(seen, given);
  EXPECT_FALSE(valid_after);
}

TEST(WrapTest, ExposesContextAndCallable) {
  const TraceContext given = TraceContext::NewRoot();
  auto wrapped = Wrap(given, Recorder{nullptr});
  EXPECT_EQ(wrapped.context(), given);
  EXPECT_EQ(wrapped.callable().out, nullptr);
}


TEST(WrapTest, CarriesBaggageToAnotherThread) {
  const TraceContext given =
      TraceContext::NewRoot().WithBaggage(*Baggage().Set("tenant", "acme"));
  TraceContext seen;
  std::function<void()> wrapped;
  {
    ContextScope scope(given);
    wrapped = Wrap(Recorder{&seen});
  }
  std::thread t(wrapped);
  t.join();
  EXPECT_EQ(seen, given);
  EXPECT_EQ(seen.baggage().Get("tenant"), "acme");
}

}  // namespace
}  // namespace traceprop
