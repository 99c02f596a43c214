#include "traceprop/context/ids.h"

#include "traceprop/context/internal/hex.h"

namespace traceprop {
namespace internal {

bool DecodeIdHex(const char* in, size_t n, uint8_t* out) {
  return DecodeLowerHex(in, n, out);
}

void EncodeIdHex(const uint8_t* in, size_t n, char* out) {
  EncodeLowerHex(in, n, out);
}

}  // namespace internal
}  // namespace traceprop
