#include "traceprop/context/baggage.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace traceprop {
namespace {

Baggage Parse(std::vector<absl::string_view> headers,
              Baggage::ParseStats* stats = nullptr) {
  return Baggage::Parse(headers, stats);
}

// The W3C specification's own example: 3 members, properties kept.
TEST(BaggageTest, SpecExampleWithProperties) {
  Baggage b = Parse({"key1=value1;property1;property2, key2 = value2, "
                     "key3=value3; propertyKey=propertyValue"});
  ASSERT_EQ(b.size(), 3u);
  EXPECT_EQ(b.members()[0], (Baggage::Member{"key1", "value1", "property1;property2"}));
  EXPECT_EQ(b.members()[1], (Baggage::Member{"key2", "value2", ""}));
  EXPECT_EQ(b.members()[2],
            (Baggage::Member{"key3", "value3", "propertyKey=propertyValue"}));
}

// "serverNode=DF%2028": values are percent-decoded.
TEST(BaggageTest, SpecExamplesPercentDecodedAcrossHeaders) {
  Baggage one = Parse({"userId=alice,serverNode=DF%2028,isProduction=false"});
  Baggage split = Parse({"userId=alice", "serverNode=DF%2028,isProduction=false"});
  Baggage spaced = Parse({"userId =   alice", "serverNode = DF%2028, isProduction = false"});
  EXPECT_EQ(one.Get("serverNode"), "DF 28");
  EXPECT_EQ(one.Get("userId"), "alice");
  EXPECT_EQ(one, split);
  EXPECT_EQ(one, spaced);
}

TEST(BaggageTest, ValueMayContainEqualsAndUtf8) {
  Baggage b = Parse({"k=a=b==, emoji=%F0%9F%98%80, lower=%c3%a9"});
  EXPECT_EQ(b.Get("k"), "a=b==");
  EXPECT_EQ(b.Get("emoji"), "\xF0\x9F\x98\x80");
  EXPECT_EQ(b.Get("lower"), "\xC3\xA9");  // hex digits of either case
}

TEST(BaggageTest, InvalidMembersDroppedAloneAndCounted) {
  Baggage::ParseStats stats;
  Baggage b = Parse({"good=1, bad key=2, nokey, =v, q=\"x\", back=a\\b, "
                     "pct=%zz, cut=%4, notutf8=%ff, ctl=a\x01" "b, "
                     "prop=1;, prop2=1;bad key, also=ok"},
                    &stats);
  ASSERT_EQ(b.size(), 2u);
  EXPECT_EQ(b.Get("good"), "1");
  EXPECT_EQ(b.Get("also"), "ok");
  EXPECT_EQ(stats.invalid_members, 11u);
  EXPECT_EQ(stats.over_limit, 0u);
}

TEST(BaggageTest, EmptyListElementsIgnored) {
  Baggage::ParseStats stats;
  Baggage b = Parse({",a=1,, ,b=2,", ""}, &stats);
  EXPECT_EQ(b.size(), 2u);
  EXPECT_EQ(stats.invalid_members, 0u);
}

TEST(BaggageTest, DuplicatesKeptInOrderGetReturnsFirst) {
  Baggage b = Parse({"a=1,b=2,a=3"});
  ASSERT_EQ(b.size(), 3u);
  EXPECT_EQ(b.Get("a"), "1");
  EXPECT_EQ(b.ToHeader(), "a=1,b=2,a=3");
}

// W3C limits: at least 64 members and 8192 bytes must be propagated; never
// a partial member.
TEST(BaggageTest, PropagatesAtLeast64MembersAnd8192Bytes) {
  std::string header;
  for (int i = 0; i < 64; ++i) {
    absl::StrAppend(&header, i ? "," : "", "k", i, "=", std::string(120, 'v'));
  }
  ASSERT_LE(header.size(), 8192u);
  Baggage b = Parse({header});
  EXPECT_EQ(b.size(), 64u);
  EXPECT_EQ(b.ToHeader(), header);
}

TEST(BaggageTest, MembersPastTheLimitsDroppedWhole) {
  Baggage::ParseStats stats;
  std::string many;
  for (int i = 0; i < 200; ++i) absl::StrAppend(&many, i ? "," : "", "k", i, "=v");
  EXPECT_EQ(Parse({many}, &stats).size(), Baggage::kMaxMembers);
  EXPECT_EQ(stats.over_limit, 20u);

  stats = {};
  std::string big = absl::StrCat("a=", std::string(5000, 'x'), ",b=",
                                 std::string(5000, 'y'), ",c=z");
  Baggage b = Parse({big}, &stats);
  EXPECT_EQ(b.size(), 2u);  // b would pass 8192 bytes: dropped whole
  EXPECT_EQ(b.Get("c"), "z");
  EXPECT_FALSE(b.Get("b").has_value());
  EXPECT_EQ(stats.over_limit, 1u);
  EXPECT_LE(b.ToHeader().size(), Baggage::kMaxHeaderSize);
}

TEST(BaggageTest, ToHeaderEncodesAndRoundTrips) {
  absl::StatusOr<Baggage> b = Baggage().Set("tenant", "acme corp, \"EU\";50%\\");
  ASSERT_TRUE(b.ok());
  b = b->Set("exp", "\xC3\xA9t\xC3\xA9", "ttl=30;internal");
  ASSERT_TRUE(b.ok());
  const std::string header = b->ToHeader();
  EXPECT_EQ(header,
            "tenant=acme%20corp%2C%20%22EU%22%3B50%25%5C,"
            "exp=%C3%A9t%C3%A9;ttl=30;internal");
  EXPECT_EQ(Parse({header}), *b);
}

TEST(BaggageTest, ToHeaderNeverCutsAMember) {
  Baggage b = Parse({"a=1111,b=2222,c=3333"});
  EXPECT_EQ(b.ToHeader(13), "a=1111,b=2222");
  EXPECT_EQ(b.ToHeader(12), "a=1111");
  EXPECT_EQ(b.ToHeader(5), "");
}

TEST(BaggageTest, SetReplacesFirstRemovesDuplicatesEraseRemovesAll) {
  Baggage b = Parse({"a=1,b=2,a=3"});
  absl::StatusOr<Baggage> set = b.Set("a", "9");
  ASSERT_TRUE(set.ok());
  EXPECT_EQ(set->ToHeader(), "a=9,b=2");
  EXPECT_EQ(b.ToHeader(), "a=1,b=2,a=3");  // the original is unchanged
  EXPECT_EQ(b.Erase("a").ToHeader(), "b=2");
  EXPECT_TRUE(b.Erase("a").Erase("b").empty());
}

TEST(BaggageTest, SetRejectsBadInput) {
  EXPECT_FALSE(Baggage().Set("bad key", "v").ok());
  EXPECT_FALSE(Baggage().Set("", "v").ok());
  EXPECT_FALSE(Baggage().Set("k", "\xff").ok());
  EXPECT_FALSE(Baggage().Set("k", "v", "bad prop").ok());
  EXPECT_FALSE(Baggage().Set("k", "v", "p=a,b").ok());
}

TEST(BaggageTest, EmptyIsCheap) {
  Baggage b;
  EXPECT_TRUE(b.empty());
  EXPECT_EQ(b.ToHeader(), "");
  EXPECT_TRUE(Parse({"", " "}).empty());
  EXPECT_EQ(Baggage(), Parse({"bad key=1"}));
}

}  // namespace
}  // namespace traceprop
