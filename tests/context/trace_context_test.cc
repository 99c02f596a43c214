#include "traceprop/context/trace_context.h"

#include <string>

#include "gtest/gtest.h"

namespace traceprop {
namespace {

constexpr absl::string_view kParent =
    "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

TEST(TraceContextTest, DefaultIsInvalid) {
  TraceContext c;
  EXPECT_FALSE(c.IsValid());
  EXPECT_EQ(c.ToTraceParent(), "");
  EXPECT_TRUE(c.trace_state().empty());
}

TEST(TraceContextTest, NewRootIsValidRandomAndSampledAsAsked) {
  TraceContext a = TraceContext::NewRoot();
  EXPECT_TRUE(a.IsValid());
  EXPECT_TRUE(a.sampled());
  EXPECT_TRUE(a.flags().random());
  EXPECT_FALSE(a.parent_span_id().IsValid());
  EXPECT_FALSE(a.is_remote());
  TraceContext b = TraceContext::NewRoot(/*sampled=*/false);
  EXPECT_FALSE(b.sampled());
  EXPECT_TRUE(b.flags().random());
  EXPECT_NE(a.trace_id(), b.trace_id());
}

TEST(TraceContextTest, FromHeadersIsRemote) {
  absl::StatusOr<TraceContext> c =
      TraceContext::FromHeaders(kParent, {"rojo=00f067aa0ba902b7"});
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_TRUE(c->IsValid());
  EXPECT_TRUE(c->is_remote());
  EXPECT_EQ(c->trace_id().ToHex(), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(c->span_id().ToHex(), "00f067aa0ba902b7");
  EXPECT_TRUE(c->sampled());
  EXPECT_FALSE(c->parent_span_id().IsValid());
  EXPECT_EQ(c->ToTraceParent(), kParent);
}

TEST(TraceContextTest, InvalidTraceParentIsAnError) {
  absl::Status tracestate_status;
  absl::StatusOr<TraceContext> c = TraceContext::FromHeaders(
      "00-00000000000000000000000000000000-00f067aa0ba902b7-01", {},
      &tracestate_status);
  EXPECT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(TraceContextTest, InvalidTraceStateIsDroppedNotFatal) {
  absl::Status tracestate_status;
  absl::StatusOr<TraceContext> c = TraceContext::FromHeaders(
      kParent, {"this is not a tracestate"}, &tracestate_status);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_TRUE(c->trace_state().empty());
  EXPECT_FALSE(tracestate_status.ok());
}

TEST(TraceContextTest, ChildKeepsTraceFlagsAndState) {
  absl::StatusOr<TraceContext> remote =
      TraceContext::FromHeaders(kParent, {"rojo=1", "congo=2"});
  ASSERT_TRUE(remote.ok());
  TraceContext child = remote->Child();
  EXPECT_EQ(child.trace_id(), remote->trace_id());
  EXPECT_NE(child.span_id(), remote->span_id());
  EXPECT_TRUE(child.span_id().IsValid());
  EXPECT_EQ(child.parent_span_id(), remote->span_id());
  EXPECT_EQ(child.flags(), remote->flags());
  EXPECT_EQ(child.trace_state(), remote->trace_state());
  EXPECT_FALSE(child.is_remote());
  TraceContext grandchild = child.Child();
  EXPECT_EQ(grandchild.parent_span_id(), child.span_id());
}

TEST(TraceContextTest, ChildOfInvalidStartsANewRoot) {
  TraceContext none;
  TraceContext child = none.Child();
  EXPECT_TRUE(child.IsValid());
  EXPECT_FALSE(child.parent_span_id().IsValid());
  EXPECT_TRUE(child.flags().random());
}

TEST(TraceContextTest, OnlyDefinedFlagBitsAreSent) {
  absl::StatusOr<TraceContext> c = TraceContext::FromHeaders(
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-ff");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->flags().value(), 0xff);
  EXPECT_EQ(c->ToTraceParent(),
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-03");
}

TEST(TraceContextTest, HigherVersionIsSentAsVersion00) {
  absl::StatusOr<TraceContext> c = TraceContext::FromHeaders(
      "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what-ever");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->ToTraceParent(), kParent);
}

TEST(TraceContextTest, WithReturnsNewValuesAndLeavesOriginal) {
  TraceContext a = TraceContext::NewRoot(false);
  TraceContext b = a.WithFlags(a.flags().WithSampled(true));
  EXPECT_FALSE(a.sampled());
  EXPECT_TRUE(b.sampled());
  EXPECT_NE(a, b);
  EXPECT_EQ(a, a.WithFlags(a.flags()));
}

TEST(TraceContextTest, CopyIsCheapAndEqual) {
  TraceContext a = TraceContext::NewRoot();
  TraceContext b = a;
  EXPECT_EQ(a, b);
  // Ids, flags and two shared pointers (tracestate, baggage), each null
  // when empty: 72 bytes on LP64. Growing past that needs a reason.
  static_assert(sizeof(TraceContext) <= 72, "TraceContext should stay small");
}


Baggage TenantBaggage() {
  absl::StatusOr<Baggage> b = Baggage().Set("tenant", "acme, inc");
  EXPECT_TRUE(b.ok());
  return *b;
}

TEST(TraceContextBaggageTest, EmptyByDefaultAndNoStorage) {
  TraceContext c = TraceContext::NewRoot();
  EXPECT_TRUE(c.baggage().empty());
  EXPECT_TRUE(c.baggage().members().empty());
  EXPECT_TRUE(TraceContext().baggage().empty());
}

TEST(TraceContextBaggageTest, WithBaggageChangesOnlyBaggage) {
  const TraceContext c = TraceContext::NewRoot();
  const TraceContext b = c.WithBaggage(TenantBaggage());
  EXPECT_EQ(b.baggage().Get("tenant"), "acme, inc");
  EXPECT_EQ(b.trace_id(), c.trace_id());
  EXPECT_EQ(b.span_id(), c.span_id());
  EXPECT_EQ(b.flags(), c.flags());
  EXPECT_TRUE(c.baggage().empty());  // the original is unchanged
}

TEST(TraceContextBaggageTest, EqualityIncludesBaggage) {
  const TraceContext c = TraceContext::NewRoot();
  EXPECT_NE(c, c.WithBaggage(TenantBaggage()));
  EXPECT_EQ(c.WithBaggage(TenantBaggage()), c.WithBaggage(TenantBaggage()));
  EXPECT_EQ(c, c.WithBaggage(Baggage()));
}

TEST(TraceContextBaggageTest, ChildKeepsBaggage) {
  const TraceContext c = TraceContext::NewRoot().WithBaggage(TenantBaggage());
  const TraceContext child = c.Child();
  EXPECT_EQ(child.baggage(), c.baggage());
  EXPECT_EQ(child.parent_span_id(), c.span_id());
  EXPECT_EQ(child.Child().baggage().Get("tenant"), "acme, inc");
}

TEST(TraceContextBaggageTest, ChildOfInvalidContextKeepsBaggageInNewRoot) {
  const TraceContext no_trace = TraceContext().WithBaggage(TenantBaggage());
  EXPECT_FALSE(no_trace.IsValid());
  const TraceContext root = no_trace.Child();
  EXPECT_TRUE(root.IsValid());
  EXPECT_EQ(root.baggage().Get("tenant"), "acme, inc");
}

TEST(TraceContextBaggageTest, FromHeadersCarriesNoBaggage) {
  absl::StatusOr<TraceContext> c = TraceContext::FromHeaders(kParent);
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(c->baggage().empty());
}

}  // namespace
}  // namespace traceprop
