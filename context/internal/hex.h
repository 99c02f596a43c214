// Private: table-driven lowercase-hex encode/decode shared by the ids and
// the traceparent codec. Not part of the public API.

#ifndef TRACEPROP_CONTEXT_INTERNAL_HEX_H_
#define TRACEPROP_CONTEXT_INTERNAL_HEX_H_

#include <cstddef>
#include <cstdint>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

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

// With SSE2 (every x86-64), 16 characters or 8 bytes at a time: the ids
// are 32 and 16 characters. Kept because the table loops cost ~430
// instructions per traceparent parse and ~200 per format, and this takes
// 360 off traceprop's own work per call (callgrind,
// bench/callgrind_per_call.py), against issue 13's target of <= 1,000.
#if defined(__SSE2__)
#define TRACEPROP_HEX_SSE2 1
#else
#define TRACEPROP_HEX_SSE2 0
#endif

#if TRACEPROP_HEX_SSE2
// DecodeLowerHex16 decodes 16 characters into 8 bytes; false (out
// unchanged) if any is not lowercase hex.
inline bool DecodeLowerHex16(const char* in, uint8_t* out) {
  const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(in));
  // Signed compares: a byte >= 0x80 is negative and outside every range.
  const __m128i digit =
      _mm_and_si128(_mm_cmpgt_epi8(x, _mm_set1_epi8('0' - 1)),
                    _mm_cmplt_epi8(x, _mm_set1_epi8('9' + 1)));
  const __m128i lower =
      _mm_and_si128(_mm_cmpgt_epi8(x, _mm_set1_epi8('a' - 1)),
                    _mm_cmplt_epi8(x, _mm_set1_epi8('f' + 1)));
  if (_mm_movemask_epi8(_mm_or_si128(digit, lower)) != 0xffff) return false;
  // '0'..'9' -> c - '0'; 'a'..'f' -> c - 'a' + 10, which is 39 less.
  const __m128i v = _mm_sub_epi8(_mm_sub_epi8(x, _mm_set1_epi8('0')),
                                 _mm_and_si128(lower, _mm_set1_epi8(39)));
  // 16-bit lane k holds characters 2k (low byte) and 2k+1 (high byte).
  const __m128i pairs =
      _mm_or_si128(_mm_slli_epi16(_mm_and_si128(v, _mm_set1_epi16(0xff)), 4),
                   _mm_srli_epi16(v, 8));
  _mm_storel_epi64(reinterpret_cast<__m128i*>(out),
                   _mm_packus_epi16(pairs, pairs));
  return true;
}

// EncodeLowerHex8 writes 16 lowercase hex characters for 8 bytes.
inline void EncodeLowerHex8(const uint8_t* in, char* out) {
  const __m128i b = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(in));
  const __m128i mask = _mm_set1_epi8(0x0f);
  const __m128i hi = _mm_and_si128(_mm_srli_epi16(b, 4), mask);
  const __m128i lo = _mm_and_si128(b, mask);
  const __m128i n = _mm_unpacklo_epi8(hi, lo);  // hi0 lo0 hi1 lo1 ...
  const __m128i letters =
      _mm_and_si128(_mm_cmpgt_epi8(n, _mm_set1_epi8(9)), _mm_set1_epi8(39));
  _mm_storeu_si128(
      reinterpret_cast<__m128i*>(out),
      _mm_add_epi8(_mm_add_epi8(n, _mm_set1_epi8('0')), letters));
}
#endif

// DecodeLowerHex decodes `n` hex characters (n even) into n/2 bytes at `out`.
// Returns false, leaving `out` partly written, if any character is not
// lowercase hex.
inline bool DecodeLowerHex(const char* in, size_t n, uint8_t* out) {
  size_t i = 0;
#if TRACEPROP_HEX_SSE2
  for (; i + 16 <= n; i += 16) {
    if (!DecodeLowerHex16(in + i, out + i / 2)) return false;
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
  size_t i = 0;
#if TRACEPROP_HEX_SSE2
  for (; i + 8 <= n; i += 8) EncodeLowerHex8(in + i, out + 2 * i);
#endif
  for (; i < n; ++i) {
    std::memcpy(out + 2 * i, &kHexPairs.text[2 * in[i]], 2);
  }
}

}  // namespace internal
}  // namespace traceprop

#endif  // TRACEPROP_CONTEXT_INTERNAL_HEX_H_
