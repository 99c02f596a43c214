#include "traceprop/context/ids.h"

#include <cstring>
#include <string>

#include "absl/container/flat_hash_set.h"
#include "gtest/gtest.h"
#include "traceprop/context/internal/hex.h"

namespace traceprop {
namespace {

TEST(TraceIdTest, DefaultIsAllZeroAndInvalid) {
  TraceId id;
  EXPECT_FALSE(id.IsValid());
  EXPECT_EQ(id.ToHex(), std::string(32, '0'));
}

TEST(TraceIdTest, HexRoundTrip) {
  absl::StatusOr<TraceId> id =
      TraceId::FromHex("4bf92f3577b34da6a3ce929d0e0e4736");
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_TRUE(id->IsValid());
  EXPECT_EQ(id->bytes()[0], 0x4b);
  EXPECT_EQ(id->bytes()[15], 0x36);
  EXPECT_EQ(id->ToHex(), "4bf92f3577b34da6a3ce929d0e0e4736");
}

TEST(TraceIdTest, RejectsUppercaseHex) {
  absl::StatusOr<TraceId> id =
      TraceId::FromHex("4BF92F3577B34DA6A3CE929D0E0E4736");
  EXPECT_FALSE(id.ok());
  EXPECT_EQ(id.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(id.status().message().find("lowercase hex"),
            absl::string_view::npos);
}

TEST(TraceIdTest, RejectsWrongLengthAndBadCharacters) {
  EXPECT_FALSE(TraceId::FromHex("").ok());
  EXPECT_FALSE(TraceId::FromHex("4bf92f3577b34da6a3ce929d0e0e473").ok());
  EXPECT_FALSE(TraceId::FromHex("4bf92f3577b34da6a3ce929d0e0e47366").ok());
  EXPECT_FALSE(TraceId::FromHex("4bf92f3577b34da6a3ce929d0e0e473g").ok());
  EXPECT_FALSE(TraceId::FromHex("4bf92f3577b34da6a3ce929d0e0e473-").ok());
  EXPECT_FALSE(
      TraceId::FromHex(std::string("4bf92f3577b34da6a3ce929d0e0e473\0", 32))
          .ok());
}

TEST(TraceIdTest, RejectsAllZero) {
  absl::StatusOr<TraceId> id = TraceId::FromHex(std::string(32, '0'));
  ASSERT_FALSE(id.ok());
  EXPECT_NE(id.status().message().find("all zeros"), absl::string_view::npos);
}

TEST(TraceIdTest, EveryByteValueRoundTrips) {
  for (int b = 0; b < 256; ++b) {
    std::array<uint8_t, 16> bytes{};
    bytes.fill(static_cast<uint8_t>(b));
    bytes[0] = 1;  // keep it valid when b == 0
    TraceId id(bytes);
    absl::StatusOr<TraceId> back = TraceId::FromHex(id.ToHex());
    ASSERT_TRUE(back.ok()) << b;
    EXPECT_EQ(*back, id);
  }
}

TEST(SpanIdTest, FromBytesChecksSize) {
  const uint8_t raw[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
  EXPECT_FALSE(SpanId::FromBytes(raw, 9).ok());
  EXPECT_FALSE(SpanId::FromBytes(raw, 7).ok());
  absl::StatusOr<SpanId> id = SpanId::FromBytes(raw, 8);
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(id->ToHex(), "0102030405060708");
}

TEST(SpanIdTest, FromBytesKeepsAllZeroButReportsInvalid) {
  const uint8_t zero[8] = {};
  absl::StatusOr<SpanId> id = SpanId::FromBytes(zero, 8);
  ASSERT_TRUE(id.ok());
  EXPECT_FALSE(id->IsValid());
}

TEST(SpanIdTest, EqualityAndHashing) {
  SpanId a = *SpanId::FromHex("00f067aa0ba902b7");
  SpanId b = *SpanId::FromHex("00f067aa0ba902b7");
  SpanId c = *SpanId::FromHex("00f067aa0ba902b8");
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  EXPECT_TRUE(a < c);
  absl::flat_hash_set<SpanId> set = {a, b, c};
  EXPECT_EQ(set.size(), 2u);
}

TEST(TraceFlagsTest, Bits) {
  TraceFlags f;
  EXPECT_FALSE(f.sampled());
  EXPECT_FALSE(f.random());
  f = f.WithSampled(true);
  EXPECT_TRUE(f.sampled());
  EXPECT_EQ(f.value(), 0x01);
  f = f.WithRandom(true);
  EXPECT_TRUE(f.random());
  EXPECT_EQ(f.value(), 0x03);
  f = f.WithSampled(false);
  EXPECT_EQ(f.value(), 0x02);
}

TEST(TraceFlagsTest, UnknownBitsAreKeptButNotSent) {
  TraceFlags f(0xff);
  EXPECT_EQ(f.value(), 0xff);
  EXPECT_EQ(f.WireValue(), 0x03);
  EXPECT_EQ(TraceFlags(0x04).WireValue(), 0x00);
}

}  // namespace
}  // namespace traceprop

namespace traceprop {
namespace {

// The vector hex codec against the byte tables, for every byte value at
// every position (a no-op test without SSE2, where only the tables run).
TEST(HexCodecTest, DecodeSixteenAtATimeMatchesTheTable) {
  const std::string valid = "0123456789abcdef";
  for (int pos = 0; pos < 16; ++pos) {
    for (int c = 0; c < 256; ++c) {
      char in[17] = "9a0fe3c1b2d47856";
      in[pos] = static_cast<char>(c);
      const bool is_hex = valid.find(static_cast<char>(c)) != std::string::npos;
      uint8_t fast[8] = {};
      ASSERT_EQ(internal::DecodeLowerHex(in, 16, fast), is_hex)
          << "byte " << c << " at " << pos;
      if (!is_hex) continue;
      const auto nibble = [&](int i) {
        return internal::kHexTable.value[static_cast<unsigned char>(in[i])];
      };
      for (int i = 0; i < 8; ++i) {
        EXPECT_EQ(fast[i], nibble(2 * i) << 4 | nibble(2 * i + 1))
            << "byte " << c << " at " << pos;
      }
    }
  }
}

TEST(HexCodecTest, EncodeEightAtATimeMatchesTheTable) {
  for (int pos = 0; pos < 8; ++pos) {
    for (int b = 0; b < 256; ++b) {
      uint8_t in[8] = {0x00, 0x9f, 0xa0, 0xff, 0x09, 0x0a, 0x90, 0xa9};
      in[pos] = static_cast<uint8_t>(b);
      char out[16];
      internal::EncodeLowerHex(in, 8, out);
      for (int i = 0; i < 8; ++i) {
        EXPECT_EQ(out[2 * i], internal::kHexPairs.text[2 * in[i]]);
        EXPECT_EQ(out[2 * i + 1], internal::kHexPairs.text[2 * in[i] + 1]);
      }
    }
  }
}

}  // namespace
}  // namespace traceprop
