// Tests for traceprop/context/tracestate.h.
//
// The first group re-derives, at the parser level, every tracestate case of
// the official W3C test suite (github.com/w3c/trace-context, test/test.py,
// as of w3c/trace-context#584 which moved the suite to the Level 2 key
// grammar); each test names the suite case it comes from. The suite's
// "expects the tracestate to be discarded" is Parse(...) failing; "inherited"
// is Parse succeeding with the members it lists. Cases about header *names*
// (test_tracestate_header_name, test_tracestate_header_name_valid_casing)
// are decided before the parser runs, by whoever reads the metadata.
//
// The second group covers what the suite does not: limits on both sides,
// every allowed and disallowed character, duplicates, several header values,
// white-space-only members, truncation order, Set/Erase, storage sharing and
// allocation counts, concurrent readers.

#include "traceprop/context/tracestate.h"

#include <atomic>
#include <cstdlib>
#include <future>
#include <new>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "traceprop/context/trace_context.h"

// Allocation counting: every operator new in this binary goes through here.
// Only the thread that enables counting is counted. ThreadSanitizer's
// runtime defines operator new itself (a second definition does not link),
// so under TSan the counting and the one test using it are not compiled;
// the plain and ASan runs of this suite have them.
#if defined(__SANITIZE_THREAD__)
#define TRACEPROP_TEST_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define TRACEPROP_TEST_TSAN 1
#endif
#endif

#if !defined(TRACEPROP_TEST_TSAN)
namespace {
thread_local bool g_counting = false;
thread_local int g_allocations = 0;
}  // namespace

void* operator new(std::size_t size) {
  if (g_counting) ++g_allocations;
  void* p = std::malloc(size == 0 ? 1 : size);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
#endif  // !TRACEPROP_TEST_TSAN

namespace traceprop {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Optional;

constexpr absl::string_view kTraceParent =
    "00-12345678901234567890123456789012-1234567890123456-00";

#if !defined(TRACEPROP_TEST_TSAN)
// AllocationCounter counts operator new calls on this thread in its scope.
class AllocationCounter {
 public:
  AllocationCounter() {
    g_allocations = 0;
    g_counting = true;
  }
  ~AllocationCounter() { g_counting = false; }
  int count() const { return g_allocations; }
};
#endif  // !TRACEPROP_TEST_TSAN

TraceState MustParse(std::initializer_list<absl::string_view> headers) {
  absl::StatusOr<TraceState> ts = TraceState::Parse(headers);
  EXPECT_TRUE(ts.ok()) << absl::StrJoin(headers, "\n") << ": " << ts.status();
  return ts.ok() ? *std::move(ts) : TraceState();
}

bool Valid(std::initializer_list<absl::string_view> headers) {
  return TraceState::Parse(headers).ok();
}
bool Valid(absl::string_view header) { return TraceState::Parse(header).ok(); }

std::vector<std::pair<std::string, std::string>> Pairs(const TraceState& ts) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const TraceState::Entry& e : ts.entries()) {
    out.emplace_back(std::string(e.key), std::string(e.value));
  }
  return out;
}
using Pair = std::pair<std::string, std::string>;

// Members(n, first) = "bar01=01,...": the suite's member-count fixture.
std::string Members(int from, int to) {
  std::vector<std::string> parts;
  for (int i = from; i <= to; ++i) {
    const std::string n = absl::StrCat(i < 10 ? "0" : "", i);
    parts.push_back(absl::StrCat("bar", n, "=", n));
  }
  return absl::StrJoin(parts, ",");
}

// ---------------------------------------------------------------------------
// W3C test suite (test/test.py), TraceContextTest.
// ---------------------------------------------------------------------------

// test_tracestate_included_traceparent_missing: tracestate without a valid
// traceparent is never used (§3.3: "If the vendor failed to parse
// traceparent, it MUST NOT attempt to parse tracestate").
TEST(W3cSuiteTraceState, IncludedTraceparentMissing) {
  const absl::string_view one[] = {"foo=1"};
  const absl::string_view two[] = {"foo=1,bar=2"};
  EXPECT_FALSE(TraceContext::FromHeaders("", one).ok());
  EXPECT_FALSE(TraceContext::FromHeaders("", two).ok());
}

// test_tracestate_included_traceparent_included
TEST(W3cSuiteTraceState, IncludedTraceparentIncluded) {
  const absl::string_view ts[] = {"foo=1,bar=2"};
  absl::StatusOr<TraceContext> c = TraceContext::FromHeaders(kTraceParent, ts);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->trace_id().ToHex(), "12345678901234567890123456789012");
  EXPECT_THAT(c->trace_state().Get("foo"), Optional(absl::string_view("1")));
  EXPECT_THAT(c->trace_state().Get("bar"), Optional(absl::string_view("2")));
  EXPECT_EQ(c->ToTraceStateHeader(), "foo=1,bar=2");
}

// test_tracestate_header_name / test_tracestate_header_name_valid_casing:
// the values used are valid; the name decides whether they reach Parse.
TEST(W3cSuiteTraceState, HeaderNameCasesUseAValidValue) {
  EXPECT_THAT(Pairs(MustParse({"foo=1"})), ElementsAre(Pair("foo", "1")));
}

// test_tracestate_empty_header
TEST(W3cSuiteTraceState, EmptyHeader) {
  TraceState empty = MustParse({""});
  EXPECT_TRUE(empty.empty());
  EXPECT_EQ(empty.ToHeader(), "");  // "SHOULD avoid sending" an empty one
  EXPECT_THAT(Pairs(MustParse({"foo=1", ""})), ElementsAre(Pair("foo", "1")));
  EXPECT_THAT(Pairs(MustParse({"", "foo=1"})), ElementsAre(Pair("foo", "1")));
  // And the traceparent is kept.
  const absl::string_view headers[] = {""};
  EXPECT_TRUE(TraceContext::FromHeaders(kTraceParent, headers).ok());
}

// test_tracestate_multiple_headers_different_keys
TEST(W3cSuiteTraceState, MultipleHeadersDifferentKeys) {
  TraceState ts = MustParse({"foo=1,bar=2", "rojo=1,congo=2", "baz=3"});
  EXPECT_EQ(ts.ToHeader(), "foo=1,bar=2,rojo=1,congo=2,baz=3");
}

// test_tracestate_duplicated_keys: the header must be inherited, duplicates
// either kept or reduced to one. We keep the left-most (see tracestate.h).
TEST(W3cSuiteTraceState, DuplicatedKeys) {
  EXPECT_EQ(MustParse({"foo=1,foo=1"}).ToHeader(), "foo=1");
  EXPECT_EQ(MustParse({"foo=1,foo=2"}).ToHeader(), "foo=1");
  EXPECT_EQ(MustParse({"foo=1", "foo=1"}).ToHeader(), "foo=1");
  EXPECT_EQ(MustParse({"foo=1", "foo=2"}).ToHeader(), "foo=1");
  // And the traceparent is kept with it.
  const absl::string_view headers[] = {"foo=1", "foo=2"};
  absl::StatusOr<TraceContext> c =
      TraceContext::FromHeaders(kTraceParent, headers);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->ToTraceStateHeader(), "foo=1");
}

std::string AllValueChars() {
  std::string value;
  for (int c = 0x20; c <= 0x2b; ++c) value.push_back(static_cast<char>(c));
  for (int c = 0x2d; c <= 0x3c; ++c) value.push_back(static_cast<char>(c));
  for (int c = 0x3e; c <= 0x7e; ++c) value.push_back(static_cast<char>(c));
  return value;
}

// test_tracestate_all_allowed_characters
TEST(W3cSuiteTraceState, AllAllowedCharacters) {
  const std::string key_without_vendor =
      "abcdefghijklmnopqrstuvwxyz0123456789_-*/";
  const std::string key_with_vendor = key_without_vendor + "@a-z0-9_-*/";
  const std::string value = AllValueChars();  // starts with a space
  for (const std::string& key : {key_without_vendor, key_with_vendor}) {
    const std::string header = key + "=" + value;
    TraceState ts = MustParse({header});
    EXPECT_THAT(ts.Get(key), Optional(absl::string_view(value))) << key;
    EXPECT_EQ(ts.ToHeader(), header);
  }
}

// test_tracestate_ows_handling
TEST(W3cSuiteTraceState, OwsHandling) {
  for (absl::string_view header :
       {"foo=1 \t , \t bar=2, \t baz=3", "foo=1\t \t,\t \tbar=2,\t \tbaz=3"}) {
    EXPECT_THAT(
        Pairs(MustParse({header})),
        ElementsAre(Pair("foo", "1"), Pair("bar", "2"), Pair("baz", "3")))
        << header;
  }
  for (absl::string_view header :
       {" foo=1", "\tfoo=1", "foo=1 ", "foo=1\t", "\t foo=1 \t"}) {
    EXPECT_THAT(Pairs(MustParse({header})), ElementsAre(Pair("foo", "1")))
        << header;
  }
}

// test_tracestate_key_illegal_characters
TEST(W3cSuiteTraceState, KeyIllegalCharacters) {
  EXPECT_FALSE(Valid("foo =1"));
  EXPECT_FALSE(Valid("FOO=1"));
  EXPECT_FALSE(Valid("foo.bar=1"));
}

// test_tracestate_key_illegal_vendor_format (Level 2 key grammar)
TEST(W3cSuiteTraceState, KeyIllegalVendorFormat) {
  EXPECT_THAT(Pairs(MustParse({"foo@=1,bar=2"})),
              ElementsAre(Pair("foo@", "1"), Pair("bar", "2")));
  EXPECT_FALSE(Valid("@foo=1,bar=2"));
  EXPECT_THAT(Pairs(MustParse({"foo@@bar=1,bar=2"})),
              ElementsAre(Pair("foo@@bar", "1"), Pair("bar", "2")));
  EXPECT_THAT(Pairs(MustParse({"foo@bar@baz=1,bar=2"})),
              ElementsAre(Pair("foo@bar@baz", "1"), Pair("bar", "2")));
}

// test_tracestate_member_count_limit
TEST(W3cSuiteTraceState, MemberCountLimit) {
  const std::string a = Members(1, 10), b = Members(11, 20),
                    c = Members(21, 30);
  const std::string d32 = Members(31, 32), d33 = Members(31, 33);
  TraceState ts = MustParse({a, b, c, d32});
  EXPECT_EQ(ts.size(), 32u);
  EXPECT_THAT(ts.Get("bar01"), Optional(absl::string_view("01")));
  absl::StatusOr<TraceState> too_many = TraceState::Parse({a, b, c, d33});
  ASSERT_FALSE(too_many.ok());
  EXPECT_THAT(too_many.status().message(), HasSubstr("more than 32"));
}

// test_tracestate_key_length_limit
TEST(W3cSuiteTraceState, KeyLengthLimit) {
  for (const std::string& key :
       {std::string(256, 'z'),
        std::string(241, 't') + "@" + std::string(14, 'v'),
        std::string(242, 't') + "@v", "t@" + std::string(15, 'v')}) {
    TraceState ts = MustParse({"foo=1", key + "=1"});
    EXPECT_THAT(ts.Get("foo"), Optional(absl::string_view("1")));
    EXPECT_THAT(ts.Get(key), Optional(absl::string_view("1"))) << key.size();
  }
  absl::StatusOr<TraceState> long_key =
      TraceState::Parse({"foo=1", std::string(257, 'z') + "=1"});
  ASSERT_FALSE(long_key.ok());
  EXPECT_THAT(long_key.status().message(), HasSubstr("longer than 256"));
}

// test_tracestate_value_illegal_characters
TEST(W3cSuiteTraceState, ValueIllegalCharacters) {
  EXPECT_FALSE(Valid("foo=bar=baz"));
  absl::StatusOr<TraceState> empty_value = TraceState::Parse("foo=,bar=3");
  ASSERT_FALSE(empty_value.ok());
  EXPECT_THAT(empty_value.status().message(), HasSubstr("empty"));
}

// ---------------------------------------------------------------------------
// The suite's own Tracestate class tests (test/tracecontext/
// test_tracestate.py), re-derived against our API.
// ---------------------------------------------------------------------------

// test_all_allowed_chars + test_ctor_with_string
TEST(W3cSuiteTraceStateClass, AllAllowedCharsRoundTrip) {
  const std::string header =
      "abcdefghijklmnopqrstuvwxyz0123456789_-*/@=" + AllValueChars();
  EXPECT_EQ(MustParse({header}).ToHeader(), header);
  EXPECT_FALSE(Valid("foobarbaz"));
}

// test_delimiter
TEST(W3cSuiteTraceStateClass, Delimiter) {
  EXPECT_EQ(MustParse({"foo=1, \t bar=2"}).ToHeader(), "foo=1,bar=2");
  EXPECT_EQ(MustParse({"foo=1,\t \tbar=2"}).ToHeader(), "foo=1,bar=2");
}

// test_setitem
TEST(W3cSuiteTraceStateClass, SetItem) {
  TraceState ts = MustParse({"bar=0"});
  ts = *ts.Set("foo", "1");
  ts = *ts.Set("bar", "2");
  ts = *ts.Set("baz", "3");
  EXPECT_EQ(ts.ToHeader(), "baz=3,bar=2,foo=1");
  EXPECT_FALSE(ts.Set("", "abc").ok());
  EXPECT_FALSE(ts.Set("FOO", "abc").ok());
  for (absl::string_view key : {"special@vendor", "special@", "special@@vendor",
                                "special@vendor@tenant", "1special"}) {
    EXPECT_TRUE(ts.Set(key, "abracadabra").ok()) << key;
  }
  EXPECT_FALSE(ts.Set("@vendor", "abracadabra").ok());
  EXPECT_FALSE(ts.Set("special.vendor", "abracadabra").ok());
  EXPECT_FALSE(ts.Set(std::string(257, 'z'), "abracadabra").ok());
  EXPECT_FALSE(ts.Set("foo", "").ok());
  EXPECT_FALSE(ts.Set("foo", "bar=baz").ok());
  EXPECT_TRUE(ts.Set("foo", std::string(256, 'x')).ok());
  EXPECT_FALSE(ts.Set("foo", std::string(257, 'x')).ok());
}

// test_method_is_valid: 512 characters is the propagation limit.
TEST(W3cSuiteTraceStateClass, IsValidLimit) {
  TraceState ts = *TraceState().Set("foo", std::string(256, 'x'));
  EXPECT_EQ(ts.ToHeader().size(), 260u);
  ts = *ts.Set("bar", std::string(256, 'x'));  // 260 + 1 + 260 = 521 > 512
  EXPECT_EQ(ts.ToHeader(521).size(), 521u);
  EXPECT_LE(ts.ToHeader().size(), 512u);
}

// test_pop (right-most goes first) is Erase of the last key here.
TEST(W3cSuiteTraceStateClass, PopRightMost) {
  TraceState ts = MustParse({"foo=1,bar=2,baz=3"});
  ts = ts.Erase("baz");
  EXPECT_EQ(ts.ToHeader(), "foo=1,bar=2");
  ts = ts.Erase("bar");
  EXPECT_EQ(ts.ToHeader(), "foo=1");
  ts = ts.Erase("foo");
  EXPECT_TRUE(ts.empty());
  EXPECT_EQ(ts.ToHeader(), "");
}

// ---------------------------------------------------------------------------
// Beyond the suite: parsing.
// ---------------------------------------------------------------------------

TEST(TraceStateParse, SpecExamples) {
  EXPECT_THAT(Pairs(MustParse({"rojo=00f067aa0ba902b7,congo=t61rcWkgMzE"})),
              ElementsAre(Pair("rojo", "00f067aa0ba902b7"),
                          Pair("congo", "t61rcWkgMzE")));
  EXPECT_THAT(Pairs(MustParse({"fw529a3039@dt=x"})),
              ElementsAre(Pair("fw529a3039@dt", "x")));
}

TEST(TraceStateParse, ThirtyTwoVersusThirtyThreeMembersInOneHeader) {
  EXPECT_EQ(MustParse({Members(1, 32)}).size(), 32u);
  EXPECT_FALSE(Valid(Members(1, 33)));
  // Empty members do not count.
  EXPECT_EQ(MustParse({Members(1, 32) + ",,, ,\t,"}).size(), 32u);
  EXPECT_EQ(
      MustParse({",," + Members(1, 16) + ", ,," + Members(17, 32)}).size(),
      32u);
  // Duplicates count: the limit is on the list as received.
  EXPECT_FALSE(Valid(Members(1, 32) + ",bar01=x"));
}

TEST(TraceStateParse, KeyLengthAndFirstCharacter) {
  EXPECT_TRUE(TraceState::IsValidKey("a"));
  EXPECT_TRUE(TraceState::IsValidKey("0"));
  EXPECT_TRUE(TraceState::IsValidKey(std::string(256, 'a')));
  EXPECT_FALSE(TraceState::IsValidKey(std::string(257, 'a')));
  EXPECT_TRUE(TraceState::IsValidKey("9" + std::string(255, '@')));
  EXPECT_FALSE(TraceState::IsValidKey(""));
  for (char first : {'_', '-', '*', '/', '@', 'A'}) {
    EXPECT_FALSE(TraceState::IsValidKey(std::string(1, first) + "a")) << first;
    EXPECT_FALSE(Valid(std::string(1, first) + "a=1")) << first;
  }
  // Level 1's tenant/system limits no longer apply (Level 2 §3.3.1.3.1):
  // an '@' anywhere after the first character, a system of any length,
  // a system starting with a digit.
  EXPECT_TRUE(Valid(std::string(255, 't') + "@=1"));
  EXPECT_TRUE(Valid("t@" + std::string(254, 'v') + "=1"));
  EXPECT_TRUE(Valid("tenant@1vendor=1"));
  EXPECT_FALSE(
      Valid(std::string(241, 't') + "@" + std::string(15, 'v') + "=1"));
}

TEST(TraceStateParse, EveryByteInKeys) {
  for (int c = 0; c < 256; ++c) {
    const char ch = static_cast<char>(c);
    const bool lc = c >= 'a' && c <= 'z';
    const bool digit = c >= '0' && c <= '9';
    const bool keychar = lc || digit || ch == '_' || ch == '-' || ch == '*' ||
                         ch == '/' || ch == '@';
    EXPECT_EQ(TraceState::IsValidKey(std::string("a") + ch + "b"), keychar)
        << c;
    EXPECT_EQ(Valid(std::string("a") + ch + "b=1"), keychar) << c;
    EXPECT_EQ(TraceState::IsValidKey(std::string(1, ch) + "b"), lc || digit)
        << c;
    // Before the key, OWS is trimmed and ',' starts a new member.
    if (ch != ' ' && ch != '\t' && ch != ',') {
      EXPECT_EQ(Valid(std::string(1, ch) + "b=1"), lc || digit) << c;
    }
  }
}

TEST(TraceStateParse, EveryByteInValues) {
  for (int c = 0; c < 256; ++c) {
    const char ch = static_cast<char>(c);
    const bool chr = c >= 0x20 && c <= 0x7e && ch != ',' && ch != '=';
    const bool nblk = chr && ch != ' ';
    EXPECT_EQ(TraceState::IsValidValue(std::string("a") + ch + "b"), chr) << c;
    EXPECT_EQ(Valid(std::string("k=a") + ch + "b"), chr) << c;
    EXPECT_EQ(TraceState::IsValidValue(std::string("a") + ch), nblk) << c;
    EXPECT_EQ(TraceState::IsValidValue(std::string(1, ch)), nblk) << c;
    // At the end of a member, OWS is trimmed and ',' ends it.
    if (ch != ' ' && ch != '\t' && ch != ',') {
      EXPECT_EQ(Valid(std::string("k=a") + ch), nblk) << c;
    }
  }
}

// Long values are checked 16 bytes at a time (SSE2) and then byte by byte:
// every byte at every position of a 40-byte value but the last (where a
// space is trailing OWS, covered above), so each lane of both blocks and
// the tail sees it.
TEST(TraceStateParse, EveryByteAtEveryPositionOfALongValue) {
  for (int c = 0; c < 256; ++c) {
    const char ch = static_cast<char>(c);
    const bool chr = c >= 0x20 && c <= 0x7e && ch != ',' && ch != '=';
    for (size_t pos = 0; pos < 39; ++pos) {
      std::string value(40, 'v');
      value[pos] = ch;
      EXPECT_EQ(TraceState::IsValidValue(value), chr) << c << " at " << pos;
      if (ch != ',') {
        EXPECT_EQ(Valid("k=" + value), chr) << c << " at " << pos;
      }
    }
  }
}

TEST(TraceStateParse, ValueLengthAndSpaces) {
  EXPECT_TRUE(Valid("k=" + std::string(256, 'v')));
  EXPECT_FALSE(Valid("k=" + std::string(257, 'v')));
  // Trailing spaces are OWS (not part of the value, not counted).
  TraceState ts = MustParse({"k=" + std::string(256, 'v') + "   "});
  EXPECT_THAT(ts.Get("k"), Optional(absl::string_view(std::string(256, 'v'))));
  // Leading spaces are part of the value (and count).
  EXPECT_THAT(MustParse({"k=  v  "}).Get("k"),
              Optional(absl::string_view("  v")));
  EXPECT_TRUE(Valid("k=" + std::string(255, ' ') + "v"));
  EXPECT_FALSE(Valid("k=" + std::string(256, ' ') + "v"));
  // A value of only spaces is empty.
  EXPECT_FALSE(Valid("k=   "));
  EXPECT_FALSE(Valid("k=   ,a=1"));
  // Tabs inside a value are not allowed.
  EXPECT_FALSE(Valid("k=a\tb"));
  EXPECT_FALSE(Valid("k=\tb"));
}

TEST(TraceStateParse, MalformedMembers) {
  for (absl::string_view header : std::initializer_list<absl::string_view>{
           "foo", "=1", "foo=1,bar", "foo=1,=", "foo==1", "foo=1=", ",foo,",
           "foo=1;bar=2", "foo = 1", "foo=1\n", "\nfoo=1",
           absl::string_view("foo\0=1", 6), absl::string_view("foo=\0", 5)}) {
    EXPECT_FALSE(Valid(header)) << absl::CHexEscape(header);
  }
  absl::StatusOr<TraceState> bad = TraceState::Parse("a=1,b=2,C=3");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(bad.status().message(), HasSubstr("list-member 3"));
  EXPECT_THAT(bad.status().message(), HasSubstr("C=3"));
}

TEST(TraceStateParse, ErrorExcerptIsShortAndEscaped) {
  absl::StatusOr<TraceState> bad =
      TraceState::Parse("k=" + std::string(300, 'x') + "\x01");
  ASSERT_FALSE(bad.ok());
  EXPECT_LT(bad.status().message().size(), 200u);
  bad = TraceState::Parse("k=\x01\x02");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr("\\x01\\x02"));
}

TEST(TraceStateParse, EmptyAndWhitespaceOnlyMembers) {
  for (absl::string_view header : {"", " ", "\t", ",", " , ,\t,", ",,,,"}) {
    absl::StatusOr<TraceState> ts = TraceState::Parse(header);
    ASSERT_TRUE(ts.ok()) << absl::CHexEscape(header);
    EXPECT_TRUE(ts->empty());
    EXPECT_EQ(ts->size(), 0u);
  }
  EXPECT_THAT(Pairs(MustParse({"a=1, ,\t,  ,b=2,"})),
              ElementsAre(Pair("a", "1"), Pair("b", "2")));
}

TEST(TraceStateParse, DuplicatesKeepLeftMostAndOrder) {
  EXPECT_THAT(Pairs(MustParse({"a=1,b=2,a=3,c=4,b=5"})),
              ElementsAre(Pair("a", "1"), Pair("b", "2"), Pair("c", "4")));
  // Keys that look alike (same length, same first/middle/last character)
  // are not duplicates.
  EXPECT_THAT(
      Pairs(MustParse({"axxb=1,ayyb=2,axyb=3"})),
      ElementsAre(Pair("axxb", "1"), Pair("ayyb", "2"), Pair("axyb", "3")));
  // 32 distinct, alike keys all stay (equal hashes never merge keys).
  std::vector<std::string> members;
  for (int i = 0; i < 32; ++i) {
    members.push_back(absl::StrCat("k", std::string(1, 'a' + i % 26),
                                   i < 26 ? "x" : "y", "k=", i));
  }
  EXPECT_EQ(MustParse({absl::StrJoin(members, ",")}).size(), 32u);
  // Keys of one length whose first and last eight bytes agree all hash
  // alike: compared whole, 31 stay distinct and the 32nd member, a
  // duplicate at the end of that chain, is still found.
  members.clear();
  for (int i = 0; i < 31; ++i) {
    members.push_back(absl::StrCat("tenant00", std::string(1, 'a' + i % 26),
                                   i < 26 ? "x" : "y", "@vendor0=", i));
  }
  members.push_back("tenant00ey@vendor0=dup");  // i == 30's key
  const TraceState alike = MustParse({absl::StrJoin(members, ",")});
  EXPECT_EQ(alike.size(), 31u);
  EXPECT_THAT(alike.Get("tenant00ey@vendor0"),
              Optional(absl::string_view("30")));
}

// Regression (found by tracestate_fuzzer): a key in a member shorter than
// 8 bytes and the same key in a longer member were not seen as duplicates.
TEST(TraceStateParse, DuplicatesFoundWhateverTheMemberLength) {
  EXPECT_EQ(MustParse({"foo=1", "foo=2vvvvvvvvvv"}).ToHeader(), "foo=1");
  EXPECT_EQ(MustParse({"foo=2vvvvvvvvvv", "foo=1"}).ToHeader(),
            "foo=2vvvvvvvvvv");
  for (size_t key_size = 1; key_size <= 12; ++key_size) {
    const std::string key(key_size, 'k');
    for (size_t value_size = 1; value_size <= 10; ++value_size) {
      const std::string shorter = key + "=1";
      const std::string longer = key + "=" + std::string(value_size, 'v');
      EXPECT_EQ(MustParse({shorter + "," + longer}).size(), 1u)
          << shorter << "," << longer;
      EXPECT_EQ(MustParse({longer, shorter}).size(), 1u)
          << longer << "," << shorter;
    }
  }
}

// Adjacent members are copied as one run; OWS, dropped duplicates and
// field boundaries break runs. Every member must still be found whole.
TEST(TraceStateParse, MembersAcrossCopyRunsKeepTheirBounds) {
  TraceState ts =
      MustParse({"a=1,bb=22,a=9, ccc=333,dddd=4444", "e=5,f=6", "g=7 ,h=8"});
  EXPECT_THAT(Pairs(ts),
              ElementsAre(Pair("a", "1"), Pair("bb", "22"), Pair("ccc", "333"),
                          Pair("dddd", "4444"), Pair("e", "5"), Pair("f", "6"),
                          Pair("g", "7"), Pair("h", "8")));
  EXPECT_EQ(ts.ToHeader(), "a=1,bb=22,ccc=333,dddd=4444,e=5,f=6,g=7,h=8");
  for (const TraceState::Entry& e : ts.entries()) {
    EXPECT_THAT(ts.Get(e.key), Optional(e.value)) << e.key;
  }
  // Set and Erase at every position.
  const std::vector<Pair> all = Pairs(ts);
  for (size_t i = 0; i < all.size(); ++i) {
    std::vector<Pair> erased = all;
    erased.erase(erased.begin() + static_cast<std::ptrdiff_t>(i));
    EXPECT_EQ(Pairs(ts.Erase(all[i].first)), erased) << i;
    std::vector<Pair> moved = erased;
    moved.insert(moved.begin(), Pair(all[i].first, "new"));
    EXPECT_EQ(Pairs(*ts.Set(all[i].first, "new")), moved) << i;
  }
}

TEST(TraceStateParse, SeveralHeadersEqualTheirJoin) {
  const std::vector<std::vector<absl::string_view>> cases = {
      {"a=1", "b=2"},          {"a=1,", ",b=2"}, {"", "", "a=1"},
      {"a=1 ", " b=2", "c=3"}, {"a=1", "a=2"},   {" ", "\t"},
      {"a=1", "B=2"},          {"a=1", "b=2=3"}};
  for (const auto& headers : cases) {
    absl::StatusOr<TraceState> split = TraceState::Parse(headers);
    absl::StatusOr<TraceState> joined =
        TraceState::Parse(absl::StrJoin(headers, ","));
    ASSERT_EQ(split.ok(), joined.ok()) << absl::StrJoin(headers, "|");
    if (split.ok()) EXPECT_EQ(*split, *joined) << absl::StrJoin(headers, "|");
  }
  // A member never spans two header values.
  EXPECT_FALSE(Valid({"a", "=1"}));
  EXPECT_FALSE(Valid({"a=", "1"}));
}

TEST(TraceStateParse, ReadsOnlyItsViews) {
  // "a=1" followed in memory by ",b" (invalid if read).
  const std::string buffer = "a=1,b";
  EXPECT_THAT(Pairs(MustParse({absl::string_view(buffer.data(), 3)})),
              ElementsAre(Pair("a", "1")));
  // The result owns its text.
  std::string header = "a=1";
  TraceState ts = MustParse({header});
  header[2] = '9';
  EXPECT_THAT(ts.Get("a"), Optional(absl::string_view("1")));
}

// ---------------------------------------------------------------------------
// Mutation (§3.5).
// ---------------------------------------------------------------------------

TEST(TraceStateSet, AddsToTheFront) {
  TraceState ts = MustParse({"rojo=00f067aa0ba902b7,congo=t61rcWkgMzE"});
  absl::StatusOr<TraceState> added = ts.Set("new", "v");
  ASSERT_TRUE(added.ok());
  EXPECT_EQ(added->ToHeader(), "new=v,rojo=00f067aa0ba902b7,congo=t61rcWkgMzE");
  // The original is unchanged.
  EXPECT_EQ(ts.ToHeader(), "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE");
}

TEST(TraceStateSet, UpdatedKeyMovesToTheFront) {
  // The spec's example: congo updates its entry and moves left.
  TraceState ts = MustParse({"rojo=00f067aa0ba902b7,congo=t61rcWkgMzE"});
  absl::StatusOr<TraceState> updated = ts.Set("congo", "ucfJifl5GOE");
  ASSERT_TRUE(updated.ok());
  EXPECT_EQ(updated->ToHeader(), "congo=ucfJifl5GOE,rojo=00f067aa0ba902b7");
  // Unmodified members keep their order.
  TraceState many = MustParse({"a=1,b=2,c=3,d=4"});
  EXPECT_EQ(many.Set("c", "x")->ToHeader(), "c=x,a=1,b=2,d=4");
  EXPECT_EQ(many.Set("a", "x")->ToHeader(), "a=x,b=2,c=3,d=4");
}

TEST(TraceStateSet, ThirtyThirdMemberEvictsTheRightMost) {
  TraceState full = MustParse({Members(1, 32)});
  absl::StatusOr<TraceState> more = full.Set("new", "v");
  ASSERT_TRUE(more.ok());
  EXPECT_EQ(more->size(), 32u);
  EXPECT_EQ(more->entries().front().key, "new");
  EXPECT_EQ(more->entries().back().key, "bar31");
  EXPECT_FALSE(more->Get("bar32").has_value());
  // Updating an existing key of a full list evicts nothing.
  absl::StatusOr<TraceState> updated = full.Set("bar32", "x");
  ASSERT_TRUE(updated.ok());
  EXPECT_EQ(updated->size(), 32u);
  EXPECT_EQ(updated->entries().front().key, "bar32");
  EXPECT_EQ(updated->entries().back().key, "bar31");
  EXPECT_THAT(updated->Get("bar01"), Optional(absl::string_view("01")));
}

TEST(TraceStateSet, RejectsInvalidKeyOrValue) {
  TraceState ts = MustParse({"a=1"});
  for (auto [key, value] :
       std::vector<std::pair<std::string, std::string>>{{"A", "1"},
                                                        {"@a", "1"},
                                                        {"a b", "1"},
                                                        {"a", "1 "},
                                                        {"a", "1,2"},
                                                        {"a", "1=2"},
                                                        {"a", "\t1"},
                                                        {"a", ""},
                                                        {"", "1"}}) {
    absl::StatusOr<TraceState> r = ts.Set(key, value);
    EXPECT_FALSE(r.ok()) << key << "=" << value;
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  }
  EXPECT_EQ(ts.ToHeader(), "a=1");
  // A leading space is part of a valid value.
  EXPECT_THAT(ts.Set("a", " 1")->Get("a"), Optional(absl::string_view(" 1")));
}

TEST(TraceStateSet, OnEmptyState) {
  absl::StatusOr<TraceState> ts = TraceState().Set("k", "v");
  ASSERT_TRUE(ts.ok());
  EXPECT_EQ(ts->size(), 1u);
  EXPECT_EQ(ts->ToHeader(), "k=v");
}

TEST(TraceStateErase, RemovesAndKeepsOrder) {
  TraceState ts = MustParse({"a=1,b=2,c=3"});
  EXPECT_EQ(ts.Erase("b").ToHeader(), "a=1,c=3");
  EXPECT_EQ(ts.Erase("a").ToHeader(), "b=2,c=3");
  EXPECT_EQ(ts.Erase("c").ToHeader(), "a=1,b=2");
  EXPECT_EQ(ts.Erase("absent"), ts);
  EXPECT_EQ(ts.Erase("INVALID KEY"), ts);
  EXPECT_TRUE(MustParse({"a=1"}).Erase("a").empty());
  EXPECT_TRUE(TraceState().Erase("a").empty());
  EXPECT_EQ(ts.ToHeader(), "a=1,b=2,c=3");
}

// ---------------------------------------------------------------------------
// Outgoing truncation (§3.3.1.5).
// ---------------------------------------------------------------------------

// Entry(key, n) is a member of exactly n characters ("key=vvv...").
std::string Entry(absl::string_view key, size_t n) {
  return absl::StrCat(key, "=", std::string(n - key.size() - 1, 'v'));
}

TEST(TraceStateToHeader, FitsUnchanged) {
  TraceState ts = MustParse({"a=1, b=2"});
  EXPECT_EQ(ts.ToHeader(), "a=1,b=2");
  EXPECT_EQ(ts.ToHeader(7), "a=1,b=2");
  EXPECT_EQ(ts.ToHeader(6), "a=1");
  EXPECT_EQ(ts.ToHeader(3), "a=1");
  EXPECT_EQ(ts.ToHeader(2), "");
  EXPECT_EQ(ts.ToHeader(0), "");
}

TEST(TraceStateToHeader, LargeEntriesGoFirstRightMostFirst) {
  // s1(100) L1(200) s2(100) L2(129) s3(100): 629 + 4 commas = 633.
  const std::string s1 = Entry("s1", 100), l1 = Entry("l1", 200),
                    s2 = Entry("s2", 100), l2 = Entry("l2", 129),
                    s3 = Entry("s3", 100);
  TraceState ts = MustParse({absl::StrJoin({s1, l1, s2, l2, s3}, ",")});
  ASSERT_EQ(ts.ToHeader(1000).size(), 633u);
  // Dropping L2 (the right-most large one) gives 503: enough.
  EXPECT_EQ(ts.ToHeader(512), absl::StrJoin({s1, l1, s2, s3}, ","));
  // 400: L1 must go as well (302), small ones stay.
  EXPECT_EQ(ts.ToHeader(400), absl::StrJoin({s1, s2, s3}, ","));
  // 250: then small ones from the right.
  EXPECT_EQ(ts.ToHeader(250), absl::StrJoin({s1, s2}, ","));
  EXPECT_EQ(ts.ToHeader(150), s1);
  EXPECT_EQ(ts.ToHeader(99), "");
}

TEST(TraceStateToHeader, EntryOfExactly128IsNotLarge) {
  // "Entries larger than 128 characters" go first: 129 is large, 128 is
  // not, so a 128-character entry is only dropped from the right.
  const std::string e128 = Entry("e", 128), e129 = Entry("f", 129),
                    tail = Entry("t", 128);
  TraceState ts = MustParse({absl::StrJoin({e129, e128, tail}, ",")});
  // 129 + 128 + 128 + 2 = 387 > 300: drop the >128 one (e129) -> 257.
  EXPECT_EQ(ts.ToHeader(300), absl::StrJoin({e128, tail}, ","));
  // 200: then the right-most of the rest.
  EXPECT_EQ(ts.ToHeader(200), e128);
}

TEST(TraceStateToHeader, DefaultIs512AndOutputParses) {
  std::vector<std::string> members;
  for (int i = 0; i < 32; ++i)
    members.push_back(Entry(absl::StrCat("k", i), 40));
  TraceState ts = MustParse({absl::StrJoin(members, ",")});
  const std::string cut = ts.ToHeader();
  EXPECT_LE(cut.size(), 512u);
  // 40-character entries: 12 fit (12*40 + 11 = 491; 13 would be 532).
  absl::StatusOr<TraceState> back = TraceState::Parse(cut);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->size(), 12u);
  EXPECT_EQ(back->entries().front().key, "k0");
  EXPECT_EQ(back->entries().back().key, "k11");
}

// ---------------------------------------------------------------------------
// Value semantics, storage, threads.
// ---------------------------------------------------------------------------

TEST(TraceStateValue, EqualityIsByMembers) {
  EXPECT_EQ(MustParse({"a=1, b=2"}), MustParse({"a=1,b=2"}));
  EXPECT_EQ(MustParse({"a=1", "b=2"}), MustParse({"a=1,b=2"}));
  EXPECT_NE(MustParse({"a=1,b=2"}), MustParse({"b=2,a=1"}));
  EXPECT_NE(MustParse({"a=1"}), MustParse({"a=2"}));
  EXPECT_NE(MustParse({"a=1"}), TraceState());
  EXPECT_EQ(TraceState(), MustParse({" , "}));
}

TEST(TraceStateValue, CopiesShareStorageAndOutliveTheOriginal) {
  auto original = std::make_unique<TraceState>(MustParse({"a=1,b=2"}));
  TraceState copy = *original;
  EXPECT_EQ(copy.entries()[0].key.data(), original->entries()[0].key.data());
  const absl::string_view value = *copy.Get("b");
  original.reset();
  EXPECT_EQ(value, "2");
  EXPECT_EQ(copy.ToHeader(), "a=1,b=2");
}

#if !defined(TRACEPROP_TEST_TSAN)
TEST(TraceStateValue, AllocationCounts) {
  const std::string four = Members(1, 4);
  const std::string thirty_one = Members(1, 31);
  TraceState parsed;
  {
    AllocationCounter counter;
    absl::StatusOr<TraceState> ts = TraceState::Parse("");
    ASSERT_TRUE(ts.ok());
    absl::StatusOr<TraceState> ws = TraceState::Parse(" , \t,");
    ASSERT_TRUE(ws.ok());
    TraceState empty;
    TraceState copy = empty;
    EXPECT_EQ(counter.count(), 0) << "the empty state allocates nothing";
  }
  {
    AllocationCounter counter;
    absl::StatusOr<TraceState> ts = TraceState::Parse(four);
    ASSERT_TRUE(ts.ok());
    EXPECT_EQ(counter.count(), 1) << "one block: the shared rep and its text";
  }
  {
    AllocationCounter counter;
    absl::StatusOr<TraceState> ts =
        TraceState::Parse({thirty_one, "", "bar01=dup"});
    ASSERT_TRUE(ts.ok());
    parsed = *std::move(ts);
    EXPECT_EQ(counter.count(), 1) << "one block: the shared rep and its text";
  }
  {
    AllocationCounter counter;
    TraceState copy = parsed;
    std::optional<absl::string_view> v = copy.Get("bar17");
    EXPECT_TRUE(v.has_value());
    EXPECT_EQ(counter.count(), 0) << "a copy is a reference-count increment";
  }
  {
    AllocationCounter counter;
    absl::StatusOr<TraceState> set = parsed.Set("new", "v");
    ASSERT_TRUE(set.ok());
    TraceState erased = parsed.Erase("bar05");
    EXPECT_EQ(counter.count(), 2) << "Set and Erase: one block each";
  }
}
#endif  // !TRACEPROP_TEST_TSAN

TEST(TraceStateValue, ConcurrentReadersAndCopies) {
  const TraceState shared = MustParse({Members(1, 32)});
  constexpr int kThreads = 4;
  std::promise<void> go;
  std::shared_future<void> start = go.get_future().share();
  std::vector<std::future<bool>> results;
  for (int t = 0; t < kThreads; ++t) {
    results.push_back(std::async(std::launch::async, [&shared, start, t] {
      start.wait();
      bool ok = true;
      for (int i = 0; i < 200; ++i) {
        TraceState copy = shared;
        ok &= copy.Get("bar07") == absl::string_view("07");
        ok &= copy.ToHeader(1000) == Members(1, 32);
        absl::StatusOr<TraceState> mine =
            copy.Set(absl::StrCat("t", t), absl::StrCat(i));
        ok &= mine.ok() && mine->size() == 32;
        ok &= copy.Erase("bar01").size() == 31;
      }
      return ok;
    }));
  }
  go.set_value();
  for (auto& r : results) EXPECT_TRUE(r.get());
  EXPECT_EQ(shared.ToHeader(1000), Members(1, 32));
}

// An invalid tracestate never invalidates a valid traceparent (§3.3).
TEST(TraceStateWithTraceParent, InvalidTraceStateIsDroppedNotFatal) {
  const absl::string_view bad[] = {"foo=1", "FOO=2"};
  absl::Status why;
  absl::StatusOr<TraceContext> c =
      TraceContext::FromHeaders(kTraceParent, bad, &why);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->trace_id().ToHex(), "12345678901234567890123456789012");
  EXPECT_TRUE(c->trace_state().empty());
  EXPECT_EQ(why.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(why.message(), HasSubstr("tracestate"));

  const std::string too_many = Members(1, 33);
  const absl::string_view many[] = {too_many};
  c = TraceContext::FromHeaders(kTraceParent, many, &why);
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(c->trace_state().empty());
  EXPECT_FALSE(why.ok());
}

}  // namespace
}  // namespace traceprop
