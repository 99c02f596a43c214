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

// DecodeLowerHex decodes `n` hex characters (n even) into n/2 bytes at `out`.
// Returns false, leaving `out` partly written, if any character is not
// lowercase hex.
inline bool DecodeLowerHex(const char* in, size_t n, uint8_t* out) {
  uint8_t bad = 0;
  for (size_t i = 0; i < n; i += 2) {
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
