#include "traceprop/propagation/b3.h"

#include "gtest/gtest.h"

namespace traceprop {
namespace {

constexpr char kTrace[] = "80f198ee56343ba864fe8b2a57d3eff7";
constexpr char kSpan[] = "e457b5a2e4d86bd1";
constexpr char kParent[] = "05e3ac9a4f6e3b90";

// The B3 specification's single-header examples.
TEST(B3SingleTest, SpecExamples) {
  absl::StatusOr<B3Context> full = ParseB3Single(
      "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1-05e3ac9a4f6e3b90");
  ASSERT_TRUE(full.ok()) << full.status();
  EXPECT_EQ(full->context.trace_id().ToHex(), kTrace);
  EXPECT_EQ(full->context.span_id().ToHex(), kSpan);
  EXPECT_TRUE(full->context.sampled());
  EXPECT_TRUE(full->context.is_remote());
  EXPECT_FALSE(full->context.flags().random());
  EXPECT_EQ(full->sampled, true);
  EXPECT_FALSE(full->debug);

  absl::StatusOr<B3Context> ids_only = ParseB3Single(
      "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1");
  ASSERT_TRUE(ids_only.ok());
  EXPECT_FALSE(ids_only->sampled.has_value());  // deferred
  EXPECT_FALSE(ids_only->context.sampled());

  absl::StatusOr<B3Context> deny = ParseB3Single("0");
  ASSERT_TRUE(deny.ok());
  EXPECT_FALSE(deny->context.IsValid());
  EXPECT_EQ(deny->sampled, false);

  absl::StatusOr<B3Context> debug = ParseB3Single(
      "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-d");
  ASSERT_TRUE(debug.ok());
  EXPECT_TRUE(debug->debug);
  EXPECT_TRUE(debug->context.sampled());
}

// Regression: a null string_view (what a fuzzer replay passes for the
// empty input) split into zero parts and was indexed.
TEST(B3SingleTest, NullViewIsInvalidNotACrash) {
  EXPECT_FALSE(ParseB3Single(absl::string_view()).ok());
  EXPECT_FALSE(ParseB3Single(absl::string_view(nullptr, 0)).ok());
}

TEST(B3SingleTest, SixtyFourBitTraceIdIsPadded) {
  absl::StatusOr<B3Context> b3 = ParseB3Single("a3ce929d0e0e4736-e457b5a2e4d86bd1-0");
  ASSERT_TRUE(b3.ok());
  EXPECT_EQ(b3->context.trace_id().ToHex(), "0000000000000000a3ce929d0e0e4736");
  EXPECT_FALSE(b3->context.sampled());
}

TEST(B3SingleTest, MalformedIsInvalid) {
  for (const char* bad : {
           "",                                                          // empty
           "2",                                                         // state
           "80F198EE56343BA864FE8B2A57D3EFF7-e457b5a2e4d86bd1-1",       // uppercase
           "00000000000000000000000000000000-e457b5a2e4d86bd1-1",       // zero trace
           "80f198ee56343ba864fe8b2a57d3eff7-0000000000000000-1",       // zero span
           "80f198ee56343ba864fe8b2a57d3ef-e457b5a2e4d86bd1-1",         // short
           "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd-1",        // short span
           "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-x",       // state
           "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1-05e3",  // parent
           "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1-05e3ac9a4f6e3b90-x",
           " 80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1",      // space
           "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1\r\n",  // CR/LF
       }) {
    EXPECT_FALSE(ParseB3Single(bad).ok()) << "accepted: " << bad;
  }
}

TEST(B3MultiTest, HeadersAndSamplingForms) {
  absl::StatusOr<B3Context> b3 =
      ParseB3Multi(kTrace, kSpan, kParent, std::string("1"), std::nullopt);
  ASSERT_TRUE(b3.ok());
  EXPECT_EQ(b3->context.span_id().ToHex(), kSpan);
  EXPECT_TRUE(b3->context.sampled());

  b3 = ParseB3Multi(kTrace, kSpan, std::nullopt, std::string("true"), std::nullopt);
  ASSERT_TRUE(b3.ok());
  EXPECT_EQ(b3->sampled, true);

  b3 = ParseB3Multi(kTrace, kSpan, std::nullopt, std::string("0"), std::string("1"));
  ASSERT_TRUE(b3.ok());
  EXPECT_TRUE(b3->debug);  // debug overrides the sampled header
  EXPECT_TRUE(b3->context.sampled());

  b3 = ParseB3Multi(std::nullopt, std::nullopt, std::nullopt, std::string("0"),
                    std::nullopt);
  ASSERT_TRUE(b3.ok());
  EXPECT_FALSE(b3->context.IsValid());
  EXPECT_EQ(b3->sampled, false);
}

TEST(B3MultiTest, MalformedIsInvalid) {
  EXPECT_FALSE(ParseB3Multi(kTrace, std::nullopt, std::nullopt, std::nullopt,
                            std::nullopt).ok());  // span id missing
  EXPECT_FALSE(ParseB3Multi(kTrace, kSpan, std::nullopt, std::string("yes"),
                            std::nullopt).ok());
  EXPECT_FALSE(ParseB3Multi(kTrace, kSpan, std::nullopt, std::nullopt,
                            std::string("2")).ok());
  EXPECT_FALSE(ParseB3Multi(kTrace, kSpan, std::string("zz"), std::nullopt,
                            std::nullopt).ok());
  EXPECT_FALSE(ParseB3Multi(std::nullopt, std::nullopt, std::string(kParent),
                            std::nullopt, std::nullopt).ok());
}

TEST(B3FormatTest, SingleAndMultiRoundTrip) {
  TraceContext root = TraceContext::NewRoot(true);
  TraceContext child = root.Child();
  const std::string single = FormatB3Single(child);
  EXPECT_EQ(single, child.trace_id().ToHex() + "-" + child.span_id().ToHex() +
                        "-1-" + root.span_id().ToHex());
  absl::StatusOr<B3Context> back = ParseB3Single(single);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->context.trace_id(), child.trace_id());
  EXPECT_EQ(back->context.span_id(), child.span_id());
  EXPECT_TRUE(back->context.sampled());

  B3MultiHeaders h = FormatB3Multi(TraceContext::NewRoot(false));
  EXPECT_EQ(h.sampled, "0");
  EXPECT_EQ(h.parent_span_id, "");
  back = ParseB3Multi(h.trace_id, h.span_id, std::nullopt, h.sampled, std::nullopt);
  ASSERT_TRUE(back.ok());
  EXPECT_FALSE(back->context.sampled());

  EXPECT_EQ(FormatB3Single(TraceContext()), "");
  EXPECT_EQ(FormatB3Multi(TraceContext()).trace_id, "");
}

}  // namespace
}  // namespace traceprop
