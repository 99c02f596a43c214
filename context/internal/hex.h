// Private: table-driven lowercase-hex encode/decode shared by the ids and
// the traceparent codec. Not part of the public API.

#ifndef TRACEPROP_CONTEXT_INTERNAL_HEX_H_
#define TRACEPROP_CONTEXT_INTERNAL_HEX_H_

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace traceprop {
namespace internal {

// kHexValue[c] is 0..15 for '0'-'9' and 'a'-'f', and 0xff for every other
// byte (uppercase included: W3C requires lowercase on the wire).
struct HexTable {
  uint8_t value[256];
  constexpr HexTable() : value() {
    for (int i = 0; i < 256; ++i) value[i] = 0xff;
    for (int i = 0; i < 10; ++i) value['0' + i] = static_cast<uint8_t>(i);
    for (int i = 0; i < 6; ++i) value['a' + i] = static_cast<uint8_t>(10 + i);
  }
};
inline constexpr HexTable kHexTable{};
inline constexpr char kHexDigits[] = "0123456789abcdef";

// kHexPairs.text[2*b], [2*b+1] are the two lowercase hex digits of byte b:
// one lookup and one two-byte copy per byte when encoding.
struct HexPairs {
  char text[512];
  constexpr HexPairs() : text() {
    for (int b = 0; b < 256; ++b) {
      text[2 * b] = kHexDigits[b >> 4];
      text[2 * b + 1] = kHexDigits[b & 0x0f];
    }
  }
};
inline constexpr HexPairs kHexPairs{};

// Decoding eight characters at a time in a 64-bit word ("SWAR") on
// little-endian machines: the ids are 32 and 16 characters. Kept because it
// takes a traceparent parse from ~505 to ~390 instructions (callgrind, per
// call) against issue 13's <= 1,000 for all of traceprop's per-call work.
// (Encoding four bytes per word measured 203 against the pair table's 209:
// not kept.)
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define TRACEPROP_HEX_SWAR 1
#else
#define TRACEPROP_HEX_SWAR 0
#endif

constexpr uint64_t kOnes = 0x0101010101010101ULL;
constexpr uint64_t kHighs = 0x8080808080808080ULL;

// DecodeLowerHex8 decodes 8 characters into 4 bytes; false (out unchanged)
// if any is not lowercase hex.
inline bool DecodeLowerHex8(const char* in, uint8_t* out) {
  uint64_t x;
  std::memcpy(&x, in, 8);
  // Per byte, with the high bit clear: ((x | 0x80) - c) has the high bit
  // set iff x >= c, and ((c | 0x80) - x) iff x <= c; no borrow crosses
  // bytes. A byte with the high bit set is never hex.
  const auto ge = [x](uint64_t c) {
    return ((x | kHighs) - c * kOnes) & kHighs;
  };
  const auto le = [x](uint64_t c) {
    return (((c * kOnes) | kHighs) - x) & kHighs;
  };
  const uint64_t hex = (ge('0') & le('9')) | (ge('a') & le('f'));
  if ((x & kHighs) != 0 || hex != kHighs) return false;
  // '0'..'9' -> low nibble; 'a'..'f' (bit 6 set) -> low nibble + 9.
  const uint64_t v = (x & (0x0f * kOnes)) + ((x >> 6) & kOnes) * 9;
  // Pair the nibbles of each 16-bit lane, then pack the lanes' low bytes.
  uint64_t t = ((v & 0x00ff00ff00ff00ffULL) << 4) |
               ((v >> 8) & 0x00ff00ff00ff00ffULL);
  t = (t | (t >> 8)) & 0x0000ffff0000ffffULL;
  t = (t | (t >> 16)) & 0x00000000ffffffffULL;
  const uint32_t bytes = static_cast<uint32_t>(t);
  std::memcpy(out, &bytes, 4);
  return true;
}

// DecodeLowerHex decodes `n` hex characters (n even) into n/2 bytes at `out`.
// Returns false, leaving `out` partly written, if any character is not
// lowercase hex.
inline bool DecodeLowerHex(const char* in, size_t n, uint8_t* out) {
  size_t i = 0;
#if TRACEPROP_HEX_SWAR
  for (; i + 8 <= n; i += 8) {
    if (!DecodeLowerHex8(in + i, out + i / 2)) return false;
  }
#endif
  uint8_t bad = 0;
  for (; i < n; i += 2) {
    const uint8_t hi = kHexTable.value[static_cast<unsigned char>(in[i])];
    const uint8_t lo = kHexTable.value[static_cast<unsigned char>(in[i + 1])];
    bad |= static_cast<uint8_t>((hi | lo) & 0xf0);
    out[i / 2] = static_cast<uint8_t>((hi << 4) | (lo & 0x0f));
  }
  return bad == 0;
}

// EncodeLowerHex writes 2*n lowercase hex characters for `n` bytes.
inline void EncodeLowerHex(const uint8_t* in, size_t n, char* out) {
  for (size_t i = 0; i < n; ++i) {
    std::memcpy(out + 2 * i, &kHexPairs.text[2 * in[i]], 2);
  }
}

}  // namespace internal
}  // namespace traceprop

#endif  // TRACEPROP_CONTEXT_INTERNAL_HEX_H_
