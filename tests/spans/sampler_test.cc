#include "traceprop/spans/sampler.h"

#include <array>
#include <cmath>
#include <limits>
#include <random>

#include "gtest/gtest.h"
#include "traceprop/context/id_generator.h"

namespace traceprop {
namespace {

using sampling::FormatThreshold;
using sampling::kMaxThreshold;
using sampling::ParseThreshold;
using sampling::ProbabilityToThreshold;
using sampling::TraceIdRandomness;

// A trace id whose right-most 56 bits are `randomness` (and whose left
// bytes are junk that must not matter).
TraceId IdWithRandomness(uint64_t randomness) {
  std::array<uint8_t, 16> b;
  for (int i = 0; i < 9; ++i) b[i] = static_cast<uint8_t>(0xa0 + i);
  for (int i = 15; i >= 9; --i) {
    b[i] = static_cast<uint8_t>(randomness & 0xff);
    randomness >>= 8;
  }
  return TraceId(b);
}

TEST(SamplingMath, RandomnessIsTheRightmost56Bits) {
  EXPECT_EQ(TraceIdRandomness(IdWithRandomness(0x123456789abcde)),
            0x123456789abcdeu);
  EXPECT_EQ(TraceIdRandomness(*TraceId::FromHex(
                "ffffffffffffffffff00000000000001")),
            1u);
}

TEST(SamplingMath, ThresholdOfProbability) {
  EXPECT_EQ(ProbabilityToThreshold(1.0), 0u);
  EXPECT_EQ(ProbabilityToThreshold(2.0), 0u);
  EXPECT_EQ(ProbabilityToThreshold(0.5), kMaxThreshold / 2);
  EXPECT_EQ(ProbabilityToThreshold(0.25), kMaxThreshold / 4 * 3);
  EXPECT_EQ(ProbabilityToThreshold(0.1), 0xe6666666666666u);
  // The smallest probability still samples something.
  EXPECT_EQ(ProbabilityToThreshold(1e-30), kMaxThreshold - 1);
}

TEST(SamplingMath, FormatDropsTrailingZeros) {
  EXPECT_EQ(FormatThreshold(0), "0");
  EXPECT_EQ(FormatThreshold(kMaxThreshold / 2), "8");
  EXPECT_EQ(FormatThreshold(kMaxThreshold / 4 * 3), "c");
  EXPECT_EQ(FormatThreshold(0xe6666666666666u), "e6666666666666");
  EXPECT_EQ(FormatThreshold(1), "00000000000001");
}

TEST(SamplingMath, ParseRoundTripsAndRejectsGarbage) {
  for (uint64_t t : {uint64_t{0}, kMaxThreshold / 2, uint64_t{0xe6666666666666},
                     uint64_t{1}, kMaxThreshold - 1}) {
    EXPECT_EQ(ParseThreshold(FormatThreshold(t)), t) << t;
  }
  EXPECT_EQ(ParseThreshold("c"), kMaxThreshold / 4 * 3);
  EXPECT_EQ(ParseThreshold("c0"), kMaxThreshold / 4 * 3);
  for (const char* bad : {"", "C", "g", "0x1", "123456789012345", " 1", "-1"}) {
    EXPECT_FALSE(ParseThreshold(bad).has_value()) << bad;
  }
}

TEST(OtTraceState, SetReplaceAndRemoveSubKeys) {
  TraceState state = *TraceState::Parse("vendor=x,ot=rv:abc;foo:bar");
  TraceState with = sampling::WithOtSubValue(state, "th", "8");
  EXPECT_EQ(with.ToHeader(), "ot=th:8;rv:abc;foo:bar,vendor=x");
  TraceState replaced = sampling::WithOtSubValue(with, "th", "c");
  EXPECT_EQ(sampling::OtSubValue(replaced, "th"), "c");
  EXPECT_EQ(sampling::OtSubValue(replaced, "rv"), "abc");
  TraceState removed = sampling::WithOtSubValue(replaced, "th", "");
  EXPECT_FALSE(sampling::OtSubValue(removed, "th").has_value());
  EXPECT_EQ(sampling::OtSubValue(removed, "foo"), "bar");
  // Removing the last sub-key removes the member.
  TraceState only = *TraceState::Parse("ot=th:8,a=b");
  EXPECT_EQ(sampling::WithOtSubValue(only, "th", "").ToHeader(), "a=b");
}

// Found by tests/fuzz/sampler_fuzzer: a new `th` that made `ot` longer than
// 256 characters, or a removal that left a space at its end, failed the
// grammar and the old `th` (another service's threshold) stayed.
TEST(OtTraceState, NeverKeepsAStaleThresholdWhenTheValueWouldBreak) {
  const std::string long_ot =
      "ot=th:0;rv:ffffffffffffff;other:" + std::string(220, 'v');
  TraceState full = *TraceState::Parse(long_ot + ",a=b");
  TraceState set = sampling::WithOtSubValue(full, "th", "ffbe76c8b43958");
  EXPECT_EQ(set.ToHeader(), "ot=th:ffbe76c8b43958;rv:ffffffffffffff,a=b");

  TraceState spaced = *TraceState::Parse("ot=x:y ;th:8,a=b");
  EXPECT_EQ(sampling::WithOtSubValue(spaced, "th", "c").ToHeader(),
            "ot=th:c,a=b");
  EXPECT_EQ(sampling::WithOtSubValue(spaced, "th", "").ToHeader(), "a=b");
  // A value that itself breaks the grammar removes `ot`.
  EXPECT_EQ(sampling::WithOtSubValue(spaced, "th", "c,d").ToHeader(), "a=b");
}

TraceContext Root() { return TraceContext(); }

TEST(TraceIdRatio, DecidesByThreshold) {
  auto s = TraceIdRatioSampler(0.25);  // T = 0xc0000000000000
  const uint64_t t = kMaxThreshold / 4 * 3;
  EXPECT_TRUE(s->ShouldSample(Root(), IdWithRandomness(t), "x",
                              SpanKind::kInternal).sampled);
  EXPECT_FALSE(s->ShouldSample(Root(), IdWithRandomness(t - 1), "x",
                               SpanKind::kInternal).sampled);
  EXPECT_TRUE(s->ShouldSample(Root(), IdWithRandomness(kMaxThreshold - 1),
                              "x", SpanKind::kInternal).sampled);
  EXPECT_FALSE(s->ShouldSample(Root(), IdWithRandomness(0), "x",
                               SpanKind::kInternal).sampled);
}

TEST(TraceIdRatio, RecordsThresholdWhenSampledAndRemovesItWhenNot) {
  auto s = TraceIdRatioSampler(0.25);
  TraceContext parent(IdWithRandomness(1), *SpanId::FromHex("0102030405060708"),
                      TraceFlags(3), *TraceState::Parse("ot=th:0;rv:x,k=v"));
  SamplingResult yes = s->ShouldSample(
      Root(), IdWithRandomness(kMaxThreshold - 1), "x", SpanKind::kInternal);
  EXPECT_EQ(yes.trace_state.ToHeader(), "ot=th:c");
  SamplingResult no = s->ShouldSample(parent, IdWithRandomness(1), "x",
                                      SpanKind::kInternal);
  EXPECT_FALSE(no.sampled);
  EXPECT_EQ(no.trace_state.ToHeader(), "ot=rv:x,k=v");
}

TEST(TraceIdRatio, ExplicitRandomnessOverridesTraceId) {
  auto s = TraceIdRatioSampler(0.5);
  TraceContext parent(IdWithRandomness(0), *SpanId::FromHex("0102030405060708"),
                      TraceFlags(1),
                      *TraceState::Parse("ot=rv:ffffffffffffff"));
  EXPECT_TRUE(s->ShouldSample(parent, parent.trace_id(), "x",
                              SpanKind::kServer).sampled);
}

TEST(TraceIdRatio, EdgeRatios) {
  const TraceId any = IdWithRandomness(0);
  SamplingResult all =
      TraceIdRatioSampler(1.0)->ShouldSample(Root(), any, "x",
                                             SpanKind::kInternal);
  EXPECT_TRUE(all.sampled);
  EXPECT_EQ(all.trace_state.ToHeader(), "ot=th:0");
  const TraceId max = IdWithRandomness(kMaxThreshold - 1);
  for (double r : {0.0, -1.0, std::numeric_limits<double>::quiet_NaN()}) {
    EXPECT_FALSE(TraceIdRatioSampler(r)
                     ->ShouldSample(Root(), max, "x", SpanKind::kInternal)
                     .sampled)
        << r;
  }
}

// Two services configured alike keep exactly the same traces, and about
// the configured share of them.
TEST(TraceIdRatio, TwoServicesAgreeOnEveryTrace) {
  auto a = ParentBasedSampler(TraceIdRatioSampler(0.1));
  auto b = ParentBasedSampler(TraceIdRatioSampler(0.1));
  int sampled = 0;
  constexpr int kTraces = 20000;
  for (int i = 0; i < kTraces; ++i) {
    TraceId id = GenerateTraceId();
    bool sa = a->ShouldSample(Root(), id, "x", SpanKind::kServer).sampled;
    bool sb = b->ShouldSample(Root(), id, "y", SpanKind::kClient).sampled;
    ASSERT_EQ(sa, sb) << id.ToHex();
    sampled += sa;
  }
  // Binomial(20000, 0.1): mean 2000, sd ~42; 6 sd either side.
  EXPECT_GT(sampled, 2000 - 255);
  EXPECT_LT(sampled, 2000 + 255);
}

TEST(ParentBased, FollowsTheParentAndKeepsItsTraceState) {
  auto s = ParentBasedSampler(AlwaysOffSampler());
  TraceState state = *TraceState::Parse("ot=th:8,k=v");
  TraceContext sampled(IdWithRandomness(0), *SpanId::FromHex("0102030405060708"),
                       TraceFlags(1), state);
  SamplingResult r =
      s->ShouldSample(sampled, sampled.trace_id(), "x", SpanKind::kServer);
  EXPECT_TRUE(r.sampled);
  EXPECT_EQ(r.trace_state, state);
  EXPECT_FALSE(s->ShouldSample(sampled.WithFlags(TraceFlags(0)),
                               sampled.trace_id(), "x", SpanKind::kServer)
                   .sampled);
  // No parent: the root sampler decides.
  EXPECT_FALSE(
      s->ShouldSample(Root(), sampled.trace_id(), "x", SpanKind::kServer)
          .sampled);
  EXPECT_TRUE(ParentBasedSampler(nullptr)
                  ->ShouldSample(Root(), sampled.trace_id(), "x",
                                 SpanKind::kServer)
                  .sampled);
  EXPECT_EQ(ParentBasedSampler(TraceIdRatioSampler(0.5))->Description(),
            "ParentBased{TraceIdRatioBased{0.5}}");
}

}  // namespace
}  // namespace traceprop
