// Tests for traceprop/context/traceparent.h.
//
// The first group re-derives, at the parser level, every traceparent case of
// the official W3C test suite (github.com/w3c/trace-context, test/test.py);
// each test names the suite case it comes from. The suite drives a service
// over HTTP and checks whether the trace id is kept ("valid") or a new one is
// generated ("invalid"); here that is ParseTraceParent(...).ok().
//
// Suite cases that are about header *names*, not values
// (test_traceparent_header_name, test_traceparent_header_name_valid_casing)
// and about how many header fields arrive (test_traceparent_duplicated) are
// decided before the parser runs, by whoever reads the metadata; only their
// value-level consequence is checked here.
//
// The second group covers what the suite does not: uppercase hex, extra
// fields for version 00 and future versions, every separator position, the
// all-zero ids, formatting.

#include "traceprop/context/traceparent.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "traceprop/context/trace_context.h"

namespace traceprop {
namespace {

using ::testing::HasSubstr;

constexpr absl::string_view kTraceIdHex = "12345678901234567890123456789012";
constexpr absl::string_view kParentIdHex = "1234567890123456";
constexpr absl::string_view kValid =
    "00-12345678901234567890123456789012-1234567890123456-01";

bool Valid(absl::string_view header) { return ParseTraceParent(header).ok(); }

// KeepsTraceId is the suite's "expects the same trace_id" check.
void ExpectKeepsTraceId(absl::string_view header) {
  absl::StatusOr<TraceParent> tp = ParseTraceParent(header);
  ASSERT_TRUE(tp.ok()) << header << ": " << tp.status();
  EXPECT_EQ(tp->trace_id.ToHex(), kTraceIdHex) << header;
  EXPECT_EQ(tp->parent_id.ToHex(), kParentIdHex) << header;
}

// ---------------------------------------------------------------------------
// W3C test suite (test/test.py), TraceContextTest.
// ---------------------------------------------------------------------------

// test_traceparent_included_tracestate_missing
TEST(W3cSuiteTraceParent, IncludedTracestateMissing) {
  absl::StatusOr<TraceParent> tp = ParseTraceParent(kValid);
  ASSERT_TRUE(tp.ok()) << tp.status();
  EXPECT_EQ(tp->version, 0);
  EXPECT_EQ(tp->trace_id.ToHex(), kTraceIdHex);
  EXPECT_EQ(tp->parent_id.ToHex(), kParentIdHex);
  EXPECT_TRUE(tp->flags.sampled());
  // The suite then expects a *different* parent-id downstream: that is
  // Child(), which keeps the trace id and makes a new span id.
  absl::StatusOr<TraceContext> remote = TraceContext::FromHeaders(kValid);
  ASSERT_TRUE(remote.ok());
  TraceContext child = remote->Child();
  EXPECT_EQ(child.trace_id().ToHex(), kTraceIdHex);
  EXPECT_NE(child.span_id().ToHex(), kParentIdHex);
}

// test_traceparent_duplicated: two traceparent fields must restart the
// trace. Whoever combines them per RFC 9110 gets "a,b", which is invalid.
TEST(W3cSuiteTraceParent, DuplicatedFieldsCombinedAreInvalid) {
  EXPECT_FALSE(Valid(
      absl::StrCat("00-12345678901234567890123456789011-1234567890123456-01,",
                   "00-12345678901234567890123456789012-1234567890123456-01")));
  EXPECT_FALSE(Valid(
      absl::StrCat("00-12345678901234567890123456789011-1234567890123456-01, ",
                   "00-12345678901234567890123456789012-1234567890123456-01")));
}

// test_traceparent_header_name / test_traceparent_header_name_valid_casing:
// the value under a wrong or differently-cased name is the valid value; the
// name decides whether the parser is called at all.
TEST(W3cSuiteTraceParent, HeaderNameCasesUseAValidValue) {
  ExpectKeepsTraceId(kValid);
}

// test_traceparent_version_0x00
TEST(W3cSuiteTraceParent, Version00WithTrailingCharactersIsInvalid) {
  EXPECT_FALSE(
      Valid("00-12345678901234567890123456789012-1234567890123456-01."));
  EXPECT_FALSE(
      Valid("00-12345678901234567890123456789012-1234567890123456-01-what-the-"
            "future-will-be-like"));
}

// test_traceparent_version_0xcc
TEST(W3cSuiteTraceParent, FutureVersionCc) {
  ExpectKeepsTraceId("cc-12345678901234567890123456789012-1234567890123456-01");
  ExpectKeepsTraceId(
      "cc-12345678901234567890123456789012-1234567890123456-01-what-the-future-"
      "will-be-like");
  EXPECT_FALSE(
      Valid("cc-12345678901234567890123456789012-1234567890123456-01.what-the-"
            "future-will-be-like"));
}

// test_traceparent_version_0xff
TEST(W3cSuiteTraceParent, VersionFfIsInvalid) {
  absl::StatusOr<TraceParent> tp = ParseTraceParent(
      "ff-12345678901234567890123456789012-1234567890123456-01");
  ASSERT_FALSE(tp.ok());
  EXPECT_EQ(tp.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(tp.status().message(), HasSubstr("ff"));
}

// test_traceparent_version_illegal_characters
TEST(W3cSuiteTraceParent, VersionIllegalCharacters) {
  EXPECT_FALSE(
      Valid(".0-12345678901234567890123456789012-1234567890123456-01"));
  EXPECT_FALSE(
      Valid("0.-12345678901234567890123456789012-1234567890123456-01"));
}

// test_traceparent_version_too_long
TEST(W3cSuiteTraceParent, VersionTooLong) {
  EXPECT_FALSE(
      Valid("000-12345678901234567890123456789012-1234567890123456-01"));
  EXPECT_FALSE(
      Valid("0000-12345678901234567890123456789012-1234567890123456-01"));
}

// test_traceparent_version_too_short
TEST(W3cSuiteTraceParent, VersionTooShort) {
  EXPECT_FALSE(Valid("0-12345678901234567890123456789012-1234567890123456-01"));
}

// test_traceparent_trace_id_all_zero
TEST(W3cSuiteTraceParent, TraceIdAllZero) {
  absl::StatusOr<TraceParent> tp = ParseTraceParent(
      "00-00000000000000000000000000000000-1234567890123456-01");
  ASSERT_FALSE(tp.ok());
  EXPECT_THAT(tp.status().message(), HasSubstr("trace-id"));
}

// test_traceparent_trace_id_illegal_characters
TEST(W3cSuiteTraceParent, TraceIdIllegalCharacters) {
  EXPECT_FALSE(
      Valid("00-.2345678901234567890123456789012-1234567890123456-01"));
  EXPECT_FALSE(
      Valid("00-1234567890123456789012345678901.-1234567890123456-01"));
}

// test_traceparent_trace_id_too_long
TEST(W3cSuiteTraceParent, TraceIdTooLong) {
  EXPECT_FALSE(
      Valid("00-123456789012345678901234567890123-1234567890123456-01"));
}

// test_traceparent_trace_id_too_short
TEST(W3cSuiteTraceParent, TraceIdTooShort) {
  EXPECT_FALSE(Valid("00-1234567890123456789012345678901-1234567890123456-01"));
}

// test_traceparent_parent_id_all_zero
TEST(W3cSuiteTraceParent, ParentIdAllZero) {
  absl::StatusOr<TraceParent> tp = ParseTraceParent(
      "00-12345678901234567890123456789012-0000000000000000-01");
  ASSERT_FALSE(tp.ok());
  EXPECT_THAT(tp.status().message(), HasSubstr("parent-id"));
}

// test_traceparent_parent_id_illegal_characters
TEST(W3cSuiteTraceParent, ParentIdIllegalCharacters) {
  EXPECT_FALSE(
      Valid("00-12345678901234567890123456789012-.234567890123456-01"));
  EXPECT_FALSE(
      Valid("00-12345678901234567890123456789012-123456789012345.-01"));
}

// test_traceparent_parent_id_too_long
TEST(W3cSuiteTraceParent, ParentIdTooLong) {
  EXPECT_FALSE(
      Valid("00-12345678901234567890123456789012-12345678901234567-01"));
}

// test_traceparent_parent_id_too_short
TEST(W3cSuiteTraceParent, ParentIdTooShort) {
  EXPECT_FALSE(Valid("00-12345678901234567890123456789012-123456789012345-01"));
}

// test_traceparent_trace_flags_illegal_characters
TEST(W3cSuiteTraceParent, TraceFlagsIllegalCharacters) {
  EXPECT_FALSE(
      Valid("00-12345678901234567890123456789012-1234567890123456-.0"));
  EXPECT_FALSE(
      Valid("00-12345678901234567890123456789012-1234567890123456-0."));
}

// test_traceparent_trace_flags_too_long
TEST(W3cSuiteTraceParent, TraceFlagsTooLong) {
  EXPECT_FALSE(
      Valid("00-12345678901234567890123456789012-1234567890123456-001"));
}

// test_traceparent_trace_flags_too_short
TEST(W3cSuiteTraceParent, TraceFlagsTooShort) {
  EXPECT_FALSE(Valid("00-12345678901234567890123456789012-1234567890123456-1"));
}

// test_traceparent_ows_handling
TEST(W3cSuiteTraceParent, OwsHandling) {
  ExpectKeepsTraceId(
      " 00-12345678901234567890123456789012-1234567890123456-01");
  ExpectKeepsTraceId(
      "\t00-12345678901234567890123456789012-1234567890123456-01");
  ExpectKeepsTraceId(
      "00-12345678901234567890123456789012-1234567890123456-01 ");
  ExpectKeepsTraceId(
      "00-12345678901234567890123456789012-1234567890123456-01\t");
  ExpectKeepsTraceId(
      "\t 00-12345678901234567890123456789012-1234567890123456-01 \t");
}

// AdvancedTest.test_multiple_requests_with_illegal_traceparent: an invalid
// traceparent gives a new trace each time (TraceContext restarts).
TEST(W3cSuiteTraceParent, IllegalTraceParentRestartsTrace) {
  EXPECT_FALSE(TraceContext::FromHeaders(
                   "00-00000000000000000000000000000000-1234567890123456-01")
                   .ok());
}

// TraceContext2Test.test_propagates_random_flag
TEST(W3cSuiteTraceParent, PropagatesRandomFlag) {
  absl::StatusOr<TraceParent> tp = ParseTraceParent(
      "00-12345678901234567890123456789012-1234567890123456-02");
  ASSERT_TRUE(tp.ok());
  EXPECT_TRUE(tp->flags.random());
  EXPECT_FALSE(tp->flags.sampled());
  const std::string out = FormatTraceParent(*tp);
  EXPECT_EQ(out.substr(53), "02");
  // And through a child span (new parent-id, same trace-id and flag).
  absl::StatusOr<TraceContext> remote = TraceContext::FromHeaders(
      "00-12345678901234567890123456789012-1234567890123456-02");
  ASSERT_TRUE(remote.ok());
  const std::string child = remote->Child().ToTraceParent();
  EXPECT_EQ(child.substr(3, 32), kTraceIdHex);
  EXPECT_NE(child.substr(36, 16), kParentIdHex);
  EXPECT_EQ(child.substr(53), "02");
}

// ---------------------------------------------------------------------------
// Beyond the suite.
// ---------------------------------------------------------------------------

TEST(TraceParentParse, DecodesEveryField) {
  absl::StatusOr<TraceParent> tp = ParseTraceParent(
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00");
  ASSERT_TRUE(tp.ok());
  EXPECT_EQ(tp->trace_id.ToHex(), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(tp->parent_id.ToHex(), "00f067aa0ba902b7");
  EXPECT_EQ(tp->flags.value(), 0);
  EXPECT_FALSE(tp->flags.sampled());
}

TEST(TraceParentParse, UppercaseHexIsInvalidInEveryField) {
  EXPECT_FALSE(
      Valid("0A-12345678901234567890123456789012-1234567890123456-01"));
  EXPECT_FALSE(
      Valid("00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01"));
  EXPECT_FALSE(
      Valid("00-4bf92f3577b34da6a3ce929d0e0e473A-00f067aa0ba902b7-01"));
  EXPECT_FALSE(
      Valid("00-4bf92f3577b34da6a3ce929d0e0e4736-00F067AA0BA902B7-01"));
  EXPECT_FALSE(
      Valid("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0A"));
  EXPECT_FALSE(
      Valid("CC-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"));
  EXPECT_FALSE(
      Valid("cc-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01"));
}

TEST(TraceParentParse, EveryNonHexCharacterInTraceIdIsInvalid) {
  for (int c = 0; c < 256; ++c) {
    const bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
    std::string header(kValid);
    header[10] = static_cast<char>(c);
    EXPECT_EQ(Valid(header), hex) << "byte " << c;
  }
}

TEST(TraceParentParse, FutureVersionWithExtraFields) {
  // cc-...-01-extra: a higher version may add fields after a '-'.
  ExpectKeepsTraceId(
      "cc-12345678901234567890123456789012-1234567890123456-01-extra");
  // Only the '-' needs to follow: an empty extra field is still "followed by
  // a dash" (§3.2.4).
  ExpectKeepsTraceId(
      "cc-12345678901234567890123456789012-1234567890123456-01-");
  // cc-...-01extra: flags must be at the end or followed by '-'.
  EXPECT_FALSE(
      Valid("cc-12345678901234567890123456789012-1234567890123456-01extra"));
  // Still at least 55 characters and the fixed separators.
  EXPECT_FALSE(Valid("cc-12345678901234567890123456789012-1234567890123456-1"));
  EXPECT_FALSE(
      Valid("cc-12345678901234567890123456789012_1234567890123456-01-x"));
  // Future versions keep flags bits we do not know (never sent, see below).
  absl::StatusOr<TraceParent> tp = ParseTraceParent(
      "cc-12345678901234567890123456789012-1234567890123456-ff-x");
  ASSERT_TRUE(tp.ok());
  EXPECT_EQ(tp->version, 0xcc);
  EXPECT_EQ(tp->flags.value(), 0xff);
}

TEST(TraceParentParse, Version00WithExtraDataIsInvalid) {
  EXPECT_FALSE(
      Valid("00-12345678901234567890123456789012-1234567890123456-01-extra"));
  EXPECT_FALSE(
      Valid("00-12345678901234567890123456789012-1234567890123456-01-"));
  EXPECT_FALSE(
      Valid("00-12345678901234567890123456789012-1234567890123456-01extra"));
  absl::StatusOr<TraceParent> tp = ParseTraceParent(
      "00-12345678901234567890123456789012-1234567890123456-01-x");
  ASSERT_FALSE(tp.ok());
  EXPECT_THAT(tp.status().message(), HasSubstr("exactly 55"));
}

TEST(TraceParentParse, EverySeparatorIsChecked) {
  for (size_t pos : {2u, 35u, 52u}) {
    std::string header(kValid);
    header[pos] = '_';
    EXPECT_FALSE(Valid(header)) << header;
  }
}

TEST(TraceParentParse, InnerWhitespaceAndOtherOwsAreInvalid) {
  EXPECT_FALSE(
      Valid("00-12345678901234567890123456789012 -1234567890123456-01"));
  EXPECT_FALSE(
      Valid("\n00-12345678901234567890123456789012-1234567890123456-01"));
  EXPECT_FALSE(
      Valid("00-12345678901234567890123456789012-1234567890123456-01\r"));
}

TEST(TraceParentParse, EmptyAndWhitespaceOnlyAreInvalid) {
  EXPECT_FALSE(Valid(""));
  EXPECT_FALSE(Valid(" \t "));
}

TEST(TraceParentParse, AllFlagValuesParse) {
  for (int f = 0; f < 256; ++f) {
    std::string header(kValid);
    const char hex[] = "0123456789abcdef";
    header[53] = hex[f >> 4];
    header[54] = hex[f & 15];
    absl::StatusOr<TraceParent> tp = ParseTraceParent(header);
    ASSERT_TRUE(tp.ok()) << header;
    EXPECT_EQ(tp->flags.value(), f);
  }
}

TEST(TraceParentParse, NeverReadsPastTheView) {
  // A valid header followed in memory by more text: the view ends at 54
  // characters, which is too short.
  const std::string buffer(kValid);
  EXPECT_FALSE(ParseTraceParent(absl::string_view(buffer.data(), 54)).ok());
  EXPECT_TRUE(ParseTraceParent(absl::string_view(buffer.data(), 55)).ok());
}

TEST(TraceParentFormat, AlwaysVersion00AndOnlyDefinedFlags) {
  absl::StatusOr<TraceParent> tp = ParseTraceParent(
      "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-ff-future");
  ASSERT_TRUE(tp.ok());
  EXPECT_EQ(FormatTraceParent(*tp),
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-03");
}

TEST(TraceParentFormat, FlagsMaskedToSampledAndRandom) {
  const TraceId trace_id =
      *TraceId::FromHex("4bf92f3577b34da6a3ce929d0e0e4736");
  const SpanId span_id = *SpanId::FromHex("00f067aa0ba902b7");
  const struct {
    uint8_t flags;
    const char* wire;
  } cases[] = {{0x00, "00"}, {0x01, "01"}, {0x02, "02"},
               {0x03, "03"}, {0x04, "00"}, {0x05, "01"},
               {0x80, "00"}, {0xfe, "02"}, {0xff, "03"}};
  for (const auto& c : cases) {
    const std::string out =
        FormatTraceParent(trace_id, span_id, TraceFlags(c.flags));
    EXPECT_EQ(out, absl::StrCat("00-4bf92f3577b34da6a3ce929d0e0e4736-",
                                "00f067aa0ba902b7-", c.wire))
        << int{c.flags};
  }
}

TEST(TraceParentFormat, RoundTrip) {
  absl::StatusOr<TraceParent> tp = ParseTraceParent(kValid);
  ASSERT_TRUE(tp.ok());
  EXPECT_EQ(FormatTraceParent(*tp), kValid);
  absl::StatusOr<TraceParent> again = ParseTraceParent(FormatTraceParent(*tp));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *tp);
}

TEST(TraceParentFormat, FormatToWritesExactly55Characters) {
  absl::StatusOr<TraceParent> tp = ParseTraceParent(kValid);
  ASSERT_TRUE(tp.ok());
  char buffer[kTraceParentSize + 2];
  buffer[kTraceParentSize] = '#';
  buffer[kTraceParentSize + 1] = '#';
  FormatTraceParentTo(tp->trace_id, tp->parent_id, tp->flags, buffer);
  EXPECT_EQ(absl::string_view(buffer, kTraceParentSize), kValid);
  EXPECT_EQ(buffer[kTraceParentSize], '#');
  EXPECT_EQ(buffer[kTraceParentSize + 1], '#');
}

TEST(TraceParentFormat, OutputAlwaysParses) {
  // Version 00 output of any future-version input parses back.
  absl::StatusOr<TraceParent> tp = ParseTraceParent(
      "fe-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-09-a-b-c");
  ASSERT_TRUE(tp.ok());
  absl::StatusOr<TraceParent> back = ParseTraceParent(FormatTraceParent(*tp));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->version, 0);
  EXPECT_EQ(back->flags.value(), 0x01);
  EXPECT_EQ(back->trace_id, tp->trace_id);
}

}  // namespace
}  // namespace traceprop
