#include "traceprop/propagation/grpc_trace_bin.h"

#include <string>

#include "gtest/gtest.h"

namespace traceprop {
namespace {

// The OpenCensus example: trace id 4bf92f35..., span id 00f067aa0ba902b7,
// sampled.
std::string Example() {
  const unsigned char bytes[] = {
      0x00,                                            // version
      0x00, 0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3, 0x4d,  // field 0: trace id
      0xa6, 0xa3, 0xce, 0x92, 0x9d, 0x0e, 0x0e, 0x47, 0x36,
      0x01, 0x00, 0xf0, 0x67, 0xaa, 0x0b, 0xa9, 0x02, 0xb7,  // field 1: span id
      0x02, 0x01};                                           // field 2: options
  return std::string(reinterpret_cast<const char*>(bytes), sizeof(bytes));
}

TEST(GrpcTraceBinTest, ParsesTheVersion0Layout) {
  ASSERT_EQ(Example().size(), kGrpcTraceBinSize);
  absl::StatusOr<TraceContext> ctx = ParseGrpcTraceBin(Example());
  ASSERT_TRUE(ctx.ok()) << ctx.status();
  EXPECT_EQ(ctx->trace_id().ToHex(), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(ctx->span_id().ToHex(), "00f067aa0ba902b7");
  EXPECT_TRUE(ctx->sampled());
  EXPECT_TRUE(ctx->is_remote());
  EXPECT_FALSE(ctx->flags().random());
}

TEST(GrpcTraceBinTest, OptionsOptionalAndLaterFieldsIgnored) {
  absl::StatusOr<TraceContext> no_options = ParseGrpcTraceBin(Example().substr(0, 27));
  ASSERT_TRUE(no_options.ok());
  EXPECT_FALSE(no_options->sampled());

  std::string unknown_field = Example().substr(0, 27) + "\x07zzz";
  absl::StatusOr<TraceContext> stops = ParseGrpcTraceBin(unknown_field);
  ASSERT_TRUE(stops.ok());
  EXPECT_FALSE(stops->sampled());

  absl::StatusOr<TraceContext> extra = ParseGrpcTraceBin(Example() + "\x03" "abc");
  ASSERT_TRUE(extra.ok());
  EXPECT_TRUE(extra->sampled());
}

TEST(GrpcTraceBinTest, MalformedIsInvalid) {
  std::string bad_version = Example();
  bad_version[0] = 1;
  std::string bad_field = Example();
  bad_field[18] = 2;
  std::string zero_trace = Example();
  for (int i = 2; i < 18; ++i) zero_trace[i] = 0;
  std::string zero_span = Example();
  for (int i = 19; i < 27; ++i) zero_span[i] = 0;
  for (const std::string& bad :
       {std::string(), bad_version, bad_field, zero_trace, zero_span,
        Example().substr(0, 26), Example().substr(0, 28), std::string("\0", 1)}) {
    EXPECT_FALSE(ParseGrpcTraceBin(bad).ok()) << bad.size() << " bytes";
  }
}

TEST(GrpcTraceBinTest, FormatRoundTrips) {
  for (bool sampled : {true, false}) {
    TraceContext ctx = TraceContext::NewRoot(sampled);
    std::string bytes = FormatGrpcTraceBin(ctx);
    ASSERT_EQ(bytes.size(), kGrpcTraceBinSize);
    absl::StatusOr<TraceContext> back = ParseGrpcTraceBin(bytes);
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(back->trace_id(), ctx.trace_id());
    EXPECT_EQ(back->span_id(), ctx.span_id());
    EXPECT_EQ(back->sampled(), sampled);
  }
  EXPECT_EQ(FormatGrpcTraceBin(TraceContext()), "");
}

}  // namespace
}  // namespace traceprop
