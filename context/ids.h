// traceprop/context/ids.h — W3C Trace Context identifiers.
//
// Provides `TraceId` (16 bytes), `SpanId` (8 bytes) and `TraceFlags`
// (1 byte): fixed-size values with no heap storage, compared and hashed by
// value, written and read as lowercase hex.
//
//   absl::StatusOr<traceprop::TraceId> id =
//       traceprop::TraceId::FromHex("4bf92f3577b34da6a3ce929d0e0e4736");
//   if (id.ok() && id->IsValid()) {
//     std::cout << id->ToHex();  // "4bf92f3577b34da6a3ce929d0e0e4736"
//   }
//   traceprop::TraceFlags flags = traceprop::TraceFlags().WithSampled(true);
//
// W3C Trace Context Level 2, §3.2.2.3 (trace-id), §3.2.2.4 (parent-id),
// §3.2.2.5 (trace-flags).

#ifndef TRACEPROP_CONTEXT_IDS_H_
#define TRACEPROP_CONTEXT_IDS_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace traceprop {
namespace internal {

// DecodeIdHex / EncodeIdHex: the lowercase-hex codec of internal/hex.h,
// out of line (ids.cc) so that this header needs no internal one.
bool DecodeIdHex(const char* in, size_t n, uint8_t* out);
void EncodeIdHex(const uint8_t* in, size_t n, char* out);

// FixedId<N, Tag> holds N bytes; TraceId and SpanId are its two instances.
// Thread-compatible value type.
template <size_t N, typename Tag>
class FixedId {
 public:
  static constexpr size_t kSize = N;         // bytes
  static constexpr size_t kHexSize = 2 * N;  // characters

  // The all-zero (invalid) id.
  constexpr FixedId() = default;
  // Copies exactly N bytes. All-zero bytes give an invalid id.
  explicit FixedId(const std::array<uint8_t, N>& bytes) : bytes_(bytes) {}

  // FromBytes copies N bytes from `data`; returns InvalidArgument when
  // `size != N`. All-zero input is accepted and gives an invalid id (check
  // IsValid()): the bytes are a faithful copy, validity is a separate fact.
  static absl::StatusOr<Tag> FromBytes(const void* data, size_t size) {
    if (size != N) {
      return absl::InvalidArgumentError(
          absl::StrCat(Tag::kName, " must be ", N, " bytes, got ", size));
    }
    std::array<uint8_t, N> bytes;
    std::memcpy(bytes.data(), data, N);
    return Tag(bytes);
  }

  // FromHex parses exactly 2*N lowercase hex characters. Uppercase hex, any
  // other character, a wrong length or an all-zero value give
  // InvalidArgument with the reason (W3C: "all bytes as zero" is invalid).
  static absl::StatusOr<Tag> FromHex(absl::string_view hex) {
    if (hex.size() != kHexSize) {
      return absl::InvalidArgumentError(absl::StrCat(
          Tag::kName, " must be ", kHexSize, " lowercase hex characters, got ",
          hex.size(), " characters"));
    }
    std::array<uint8_t, N> bytes;
    if (!DecodeIdHex(hex.data(), kHexSize, bytes.data())) {
      return absl::InvalidArgumentError(absl::StrCat(
          Tag::kName, " has a character that is not lowercase hex"));
    }
    Tag id(bytes);
    if (!id.IsValid()) {
      return absl::InvalidArgumentError(
          absl::StrCat(Tag::kName, " is all zeros"));
    }
    return id;
  }

  // IsValid is false for the all-zero id, true otherwise.
  bool IsValid() const {
    static_assert(N % 8 == 0, "ids are whole 64-bit words");
    uint64_t any = 0;
    for (size_t i = 0; i < N; i += 8) {
      uint64_t word;
      std::memcpy(&word, bytes_.data() + i, 8);
      any |= word;
    }
    return any != 0;
  }

  const std::array<uint8_t, N>& bytes() const { return bytes_; }

  // ToHex returns 2*N lowercase hex characters (also for an invalid id).
  std::string ToHex() const {
    std::string out(kHexSize, '0');
    EncodeIdHex(bytes_.data(), N, out.data());
    return out;
  }
  // WriteHex writes exactly 2*N characters at `out` (no terminator).
  void WriteHex(char* out) const { EncodeIdHex(bytes_.data(), N, out); }

  friend bool operator==(const FixedId& a, const FixedId& b) {
    return a.bytes_ == b.bytes_;
  }
  friend bool operator!=(const FixedId& a, const FixedId& b) {
    return !(a == b);
  }
  friend bool operator<(const FixedId& a, const FixedId& b) {
    return a.bytes_ < b.bytes_;
  }
  template <typename H>
  friend H AbslHashValue(H h, const FixedId& id) {
    return H::combine_contiguous(std::move(h), id.bytes_.data(), N);
  }

 private:
  std::array<uint8_t, N> bytes_{};
};

}  // namespace internal

// TraceId is the 16-byte W3C trace-id. All-zero is invalid.
class TraceId : public internal::FixedId<16, TraceId> {
 public:
  static constexpr const char kName[] = "trace-id";
  using FixedId::FixedId;
};

// SpanId is the 8-byte W3C parent-id / span id. All-zero is invalid.
class SpanId : public internal::FixedId<8, SpanId> {
 public:
  static constexpr const char kName[] = "span-id";
  using FixedId::FixedId;
};

// TraceFlags is the W3C trace-flags byte. Level 2 defines two bits:
// sampled (0x01) and random (0x02, "the trace-id's right-most 7 bytes are
// random"). Other bits are kept when received (they may mean something to a
// newer version) but never sent: see `WireValue()`.
class TraceFlags {
 public:
  static constexpr uint8_t kSampled = 0x01;
  static constexpr uint8_t kRandom = 0x02;
  static constexpr uint8_t kKnownBits = kSampled | kRandom;

  constexpr TraceFlags() = default;
  constexpr explicit TraceFlags(uint8_t value) : value_(value) {}

  constexpr uint8_t value() const { return value_; }
  // WireValue is what version 00 sends: only the bits this version defines.
  constexpr uint8_t WireValue() const { return value_ & kKnownBits; }
  constexpr bool sampled() const { return (value_ & kSampled) != 0; }
  constexpr bool random() const { return (value_ & kRandom) != 0; }
  constexpr TraceFlags WithSampled(bool on) const {
    return TraceFlags(on ? (value_ | kSampled) : (value_ & ~kSampled));
  }
  constexpr TraceFlags WithRandom(bool on) const {
    return TraceFlags(on ? (value_ | kRandom) : (value_ & ~kRandom));
  }

  friend constexpr bool operator==(TraceFlags a, TraceFlags b) {
    return a.value_ == b.value_;
  }
  friend constexpr bool operator!=(TraceFlags a, TraceFlags b) {
    return a.value_ != b.value_;
  }

 private:
  uint8_t value_ = 0;
};

}  // namespace traceprop

#endif  // TRACEPROP_CONTEXT_IDS_H_
