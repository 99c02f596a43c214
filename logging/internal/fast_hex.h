// Private: lowercase-hex encoding of whole ids for the log hot path. With
// SSE2 (every x86-64 CPU) 8 bytes become 16 characters in a handful of
// vector instructions instead of a table lookup per byte; elsewhere it
// falls back to the ids' own WriteHex. Not part of the public API.

#ifndef TRACEPROP_LOGGING_INTERNAL_FAST_HEX_H_
#define TRACEPROP_LOGGING_INTERNAL_FAST_HEX_H_

#include <cstddef>
#include <cstdint>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "traceprop/context/ids.h"

namespace traceprop {
namespace internal {

#if defined(__SSE2__)
// HexOf16Nibbles turns 16 bytes holding one nibble each into their ASCII
// lowercase hex digits.
inline __m128i HexOf16Nibbles(__m128i nibbles) {
  const __m128i above9 = _mm_cmpgt_epi8(nibbles, _mm_set1_epi8(9));
  __m128i ascii = _mm_add_epi8(nibbles, _mm_set1_epi8('0'));
  return _mm_add_epi8(ascii,
                      _mm_and_si128(above9, _mm_set1_epi8('a' - '0' - 10)));
}
#endif

// WriteSpanIdHex writes the 16 hex characters of `id` at `out`.
inline void WriteSpanIdHex(const SpanId& id, char* out) {
#if defined(__SSE2__)
  const __m128i v =
      _mm_loadl_epi64(reinterpret_cast<const __m128i*>(id.bytes().data()));
  const __m128i mask = _mm_set1_epi8(0x0f);
  const __m128i hi = _mm_and_si128(_mm_srli_epi16(v, 4), mask);
  const __m128i lo = _mm_and_si128(v, mask);
  _mm_storeu_si128(reinterpret_cast<__m128i*>(out),
                   HexOf16Nibbles(_mm_unpacklo_epi8(hi, lo)));
#else
  id.WriteHex(out);
#endif
}

// WriteTraceIdHex writes the 32 hex characters of `id` at `out`.
inline void WriteTraceIdHex(const TraceId& id, char* out) {
#if defined(__SSE2__)
  const __m128i v =
      _mm_loadu_si128(reinterpret_cast<const __m128i*>(id.bytes().data()));
  const __m128i mask = _mm_set1_epi8(0x0f);
  const __m128i hi = _mm_and_si128(_mm_srli_epi16(v, 4), mask);
  const __m128i lo = _mm_and_si128(v, mask);
  _mm_storeu_si128(reinterpret_cast<__m128i*>(out),
                   HexOf16Nibbles(_mm_unpacklo_epi8(hi, lo)));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(out + 16),
                   HexOf16Nibbles(_mm_unpackhi_epi8(hi, lo)));
#else
  id.WriteHex(out);
#endif
}

}  // namespace internal
}  // namespace traceprop

#endif  // TRACEPROP_LOGGING_INTERNAL_FAST_HEX_H_
