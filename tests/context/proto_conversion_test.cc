#include "traceprop/context/proto_conversion.h"

#include <string>

#include "gtest/gtest.h"

namespace traceprop {
namespace {

TEST(ProtoConversionTest, RoundTrip) {
  absl::StatusOr<TraceContext> c = TraceContext::FromHeaders(
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-03",
      {"rojo=00f067aa0ba902b7,congo=t61rcWkgMzE"});
  ASSERT_TRUE(c.ok());
  v1::TraceContext msg = ToProto(*c);
  EXPECT_EQ(msg.trace_id().size(), 16u);
  EXPECT_EQ(msg.span_id().size(), 8u);
  EXPECT_EQ(msg.trace_flags(), 3u);
  absl::StatusOr<TraceContext> back = FromProto(msg);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, *c);
}

TEST(ProtoConversionTest, SurvivesSerialisation) {
  TraceContext c = TraceContext::NewRoot().Child();
  std::string wire;
  ASSERT_TRUE(ToProto(c).SerializeToString(&wire));
  v1::TraceContext parsed;
  ASSERT_TRUE(parsed.ParseFromString(wire));
  absl::StatusOr<TraceContext> back = FromProto(parsed);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->trace_id(), c.trace_id());
  EXPECT_EQ(back->span_id(), c.span_id());
  EXPECT_EQ(back->flags(), c.flags());
  EXPECT_TRUE(back->is_remote());
}

TEST(ProtoConversionTest, InvalidContextGivesEmptyMessageWhichIsRejected) {
  v1::TraceContext msg = ToProto(TraceContext());
  EXPECT_TRUE(msg.trace_id().empty());
  EXPECT_FALSE(FromProto(msg).ok());
}

TEST(ProtoConversionTest, RejectsCorruptMessages) {
  v1::TraceContext good = ToProto(TraceContext::NewRoot());
  {
    v1::TraceContext m = good;
    m.set_trace_id(std::string(15, 'x'));
    EXPECT_FALSE(FromProto(m).ok());
  }
  {
    v1::TraceContext m = good;
    m.set_trace_id(std::string(16, '\0'));
    absl::StatusOr<TraceContext> r = FromProto(m);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.status().message().find("all zeros"), absl::string_view::npos);
  }
  {
    v1::TraceContext m = good;
    m.set_span_id(std::string(9, 'x'));
    EXPECT_FALSE(FromProto(m).ok());
  }
  {
    v1::TraceContext m = good;
    m.set_span_id(std::string(8, '\0'));
    EXPECT_FALSE(FromProto(m).ok());
  }
  {
    v1::TraceContext m = good;
    m.set_trace_flags(0x100);
    EXPECT_FALSE(FromProto(m).ok());
  }
}

TEST(ProtoConversionTest, InvalidTraceStateIsDroppedNotFatal) {
  v1::TraceContext m = ToProto(TraceContext::NewRoot());
  m.set_tracestate("=,=,not valid");
  absl::StatusOr<TraceContext> r = FromProto(m);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->trace_state().empty());
}

TEST(ProtoConversionTest, UnknownFlagBitsAreNotWritten) {
  absl::StatusOr<TraceContext> c = TraceContext::FromHeaders(
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-ff");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(ToProto(*c).trace_flags(), 0x03u);
}


TEST(ProtoConversionTest, BaggageRoundTripsThroughSerialisation) {
  absl::StatusOr<Baggage> b = Baggage().Set("tenant", "acme, inc");
  ASSERT_TRUE(b.ok());
  b = b->Set("tier", "gold", "ttl=30");
  ASSERT_TRUE(b.ok());
  const TraceContext c = TraceContext::NewRoot().WithBaggage(*b);
  std::string wire;
  ASSERT_TRUE(ToProto(c).SerializeToString(&wire));
  v1::TraceContext back;
  ASSERT_TRUE(back.ParseFromString(wire));
  EXPECT_EQ(back.baggage(), "tenant=acme%2C%20inc,tier=gold;ttl=30");
  absl::StatusOr<TraceContext> got = FromProto(back);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->baggage(), *b);
}

TEST(ProtoConversionTest, MessageWithoutBaggageGivesNone) {
  const TraceContext c = TraceContext::NewRoot();
  v1::TraceContext msg = ToProto(c);
  EXPECT_TRUE(msg.baggage().empty());
  absl::StatusOr<TraceContext> got = FromProto(msg);
  ASSERT_TRUE(got.ok());
  EXPECT_TRUE(got->baggage().empty());
}

TEST(ProtoConversionTest, InvalidBaggageMembersAreDroppedOneByOne) {
  v1::TraceContext msg = ToProto(TraceContext::NewRoot());
  msg.set_baggage("good=1,bad key=2,also=%zz,fine=3");
  absl::StatusOr<TraceContext> got = FromProto(msg);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->baggage().ToHeader(), "good=1,fine=3");
}

TEST(ProtoConversionTest, BaggageWithoutTraceIsWrittenButNotAContext) {
  const TraceContext c =
      TraceContext().WithBaggage(*Baggage().Set("tenant", "acme"));
  v1::TraceContext msg = ToProto(c);
  EXPECT_TRUE(msg.trace_id().empty());
  EXPECT_EQ(msg.baggage(), "tenant=acme");
  EXPECT_FALSE(FromProto(msg).ok());
  EXPECT_EQ(BaggageFromProto(msg).Get("tenant"), "acme");
}

}  // namespace
}  // namespace traceprop
