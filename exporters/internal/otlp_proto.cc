#include "traceprop/exporters/internal/otlp_proto.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <string>
#include <variant>

#include "traceprop/version.h"

namespace traceprop {
namespace internal {
namespace {

// Inlined where the compiler would not: the sizes of a literal key and of
// small field numbers then fold, and memcpy of a constant size is a move.
#define TRACEPROP_INLINE [[gnu::always_inline]] inline
#define TRACEPROP_INLINE_LAMBDA __attribute__((always_inline))

constexpr uint32_t kHasIsRemote = 0x100;
constexpr uint32_t kIsRemote = 0x200;

// The length of the valid UTF-8 that starts `s` (s.size() when all of it).
size_t ValidPrefix(absl::string_view s) {
  size_t i = 0;
  // ASCII eight bytes at a time: encoding a span took 0.52 us checking
  // byte by byte, 0.47 us so (BM_OtlpEncode). The last bytes of a string of
  // eight or more are checked as the eight that end it.
  constexpr uint64_t kHigh = 0x8080808080808080u;
  uint64_t word;
  for (; i + 8 <= s.size(); i += 8) {
    std::memcpy(&word, s.data() + i, 8);
    if ((word & kHigh) != 0) break;
  }
  if (i >= 8 && i + 8 > s.size()) {  // every whole word was ASCII
    std::memcpy(&word, s.data() + s.size() - 8, 8);
    if ((word & kHigh) == 0) return s.size();
  }
  while (i < s.size()) {
    if (static_cast<unsigned char>(s[i]) < 0x80) {  // ASCII, inline
      ++i;
      continue;
    }
    const size_t n = Utf8Length(s, i);
    if (n == 0) break;
    i += n;
  }
  return i;
}

// IsAscii tells whether every byte of `s` is below 0x80, with at most four
// loads for a string of up to 16 bytes (most attribute values): checking
// them with ValidPrefix cost an RPC span about 250 instructions.
TRACEPROP_INLINE bool IsAscii(absl::string_view s) {
  constexpr uint64_t kHigh = 0x8080808080808080u;
  const char* p = s.data();
  const size_t n = s.size();
  uint64_t a, b;
  if (n >= 8) {
    if (n > 16) return ValidPrefix(s) == n;
    std::memcpy(&a, p, 8);  // the first and the last eight, overlapping
    std::memcpy(&b, p + n - 8, 8);
    return ((a | b) & kHigh) == 0;
  }
  if (n >= 4) {
    uint32_t x, y;
    std::memcpy(&x, p, 4);
    std::memcpy(&y, p + n - 4, 4);
    return ((x | y) & 0x80808080u) == 0;
  }
  uint32_t bits = 0;
  for (size_t i = 0; i < n; ++i) bits |= static_cast<unsigned char>(p[i]);
  return (bits & 0x80u) == 0;
}

// Repaired returns `s` when it is valid UTF-8 (the common case: no copy),
// else ValidUtf8(s), kept in `copy`.
TRACEPROP_INLINE absl::string_view Repaired(absl::string_view s,
                                            std::string& copy) {
  if (IsAscii(s) || ValidPrefix(s) == s.size()) return s;
  copy = ValidUtf8(s);
  return copy;
}

TRACEPROP_INLINE size_t VarintSize(uint64_t v) {
  size_t n = 1;
  for (; v >= 0x80; v >>= 7) ++n;
  return n;
}

// The Put* functions write at `p`, which must have room, and return the
// end of what they wrote.
TRACEPROP_INLINE char* PutVarint(char* p, uint64_t v) {
  for (; v >= 0x80; v >>= 7) *p++ = static_cast<char>(v | 0x80);
  *p++ = static_cast<char>(v);
  return p;
}
TRACEPROP_INLINE char* PutTag(char* p, uint32_t field, uint32_t wire_type) {
  return PutVarint(p, (static_cast<uint64_t>(field) << 3) | wire_type);
}
TRACEPROP_INLINE char* PutLittle(char* p, uint64_t v, size_t bytes) {
  if constexpr (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__) {
    std::memcpy(p, &v, bytes);
  } else {
    for (size_t i = 0; i < bytes; ++i) p[i] = static_cast<char>(v >> (8 * i));
  }
  return p + bytes;
}
TRACEPROP_INLINE char* PutBytes(char* p, uint32_t field, absl::string_view v) {
  p = PutVarint(PutTag(p, field, 2), v.size());
  std::memcpy(p, v.data(), v.size());
  return p + v.size();
}

template <size_t N>
absl::string_view AsView(const std::array<uint8_t, N>& v) {
  return absl::string_view(reinterpret_cast<const char*>(v.data()), N);
}

// The most a tag and a varint (a length or a value) take together.
constexpr size_t kTagAndVarint = 5 + 10;

// Wire appends protobuf fields to a string. Each method writes its field
// whatever the value; leaving proto3 defaults out is the caller's job.
// Written by hand, not by building the generated messages and serialising
// them: that took 2.04 us a span against 0.47 us (BM_OtlpEncode, 2026-12-03),
// on the RPC's CPU when the exporter shares it (docs/BENCHMARKS.md). Each
// method makes room once for all it writes: a KeyValue's size is known
// before it is written, so it is not written as two nested Messages with
// their lengths patched in afterwards (that way an RPC span's attributes
// took 1,700 of the 2,660 instructions the span cost to encode;
// bench/callgrind_per_call.py, variant "export").
class Wire {
 public:
  // Writes into a buffer of `expected` bytes to start with, not
  // zero-filled (a std::string's resize zero-filled 320 bytes a span).
  explicit Wire(size_t expected)
      : buf_(new char[expected]), capacity_(expected) {}

  // Release hands over what was written.
  EncodedRequest Release() && {
    EncodedRequest out;
    out.data = std::move(buf_);
    out.size = pos_;
    return out;
  }

  void Varint(uint32_t field, uint64_t v) {
    Advance(PutVarint(PutTag(Room(kTagAndVarint), field, 0), v));
  }
  void Fixed64(uint32_t field, uint64_t v) {
    Advance(PutLittle(PutTag(Room(5 + 8), field, 1), v, 8));
  }
  void Fixed32(uint32_t field, uint32_t v) {
    Advance(PutLittle(PutTag(Room(5 + 4), field, 5), v, 4));
  }
  void Bytes(uint32_t field, absl::string_view v) {
    Advance(PutBytes(Room(kTagAndVarint + v.size()), field, v));
  }
  void String(uint32_t field, absl::string_view v) {  // UTF-8 repaired
    std::string copy;
    Bytes(field, Repaired(v, copy));
  }
  template <size_t N>
  void Bytes(uint32_t field, const std::array<uint8_t, N>& v) {
    Bytes(field, AsView(v));
  }
  // KeyValue writes field `field` holding a common.v1.KeyValue{key = 1,
  // value = 2: AnyValue{string_value = 1, bool_value = 2, int_value = 3,
  // double_value = 4}}, strings UTF-8 repaired. AnyValue's fields are a
  // oneof: written even when zero or empty.
  void KeyValue(uint32_t field, absl::string_view key,
                AttributeValueView value) {
    std::string key_copy;
    key = Repaired(key, key_copy);
    std::visit([&](auto v) { AsciiKeyValue(field, key, v); }, value);
  }
  // AsciiKeyValue is KeyValue for a `key` known to be valid UTF-8 (the RPC
  // attributes' literal keys), inline so that its sizes fold.
  TRACEPROP_INLINE void AsciiKeyValue(uint32_t field, absl::string_view key,
                                      absl::string_view text) {
    std::string copy;
    text = Repaired(text, copy);
    const size_t any = 1 + VarintSize(text.size()) + text.size();
    char* p = KeyValueStart(field, key, any);
    Advance(PutBytes(p, 1, text));
  }
  TRACEPROP_INLINE void AsciiKeyValue(uint32_t field, absl::string_view key,
                                      int64_t v) {
    const uint64_t bits = static_cast<uint64_t>(v);
    char* p = KeyValueStart(field, key, 1 + VarintSize(bits));
    Advance(PutVarint(PutTag(p, 3, 0), bits));
  }
  void AsciiKeyValue(uint32_t field, absl::string_view key, bool v) {
    char* p = KeyValueStart(field, key, 2);
    Advance(PutVarint(PutTag(p, 2, 0), v ? 1 : 0));
  }
  void AsciiKeyValue(uint32_t field, absl::string_view key, double v) {
    uint64_t bits;
    std::memcpy(&bits, &v, sizeof bits);
    char* p = KeyValueStart(field, key, 1 + 8);
    Advance(PutLittle(PutTag(p, 4, 1), bits, 8));
  }
  // Message writes field `field` holding what `body` writes. The length
  // goes before the body: `reserve` bytes are kept for it (1: shorter than
  // 128 bytes; 2: than 16 KiB) and the body moves when it needs another
  // number of them.
  template <typename Body>
  void Message(uint32_t field, Body&& body, size_t reserve = 1) {
    Advance(PutTag(Room(5 + reserve), field, 2));
    const size_t at = pos_;
    pos_ += reserve;
    body();
    const uint64_t n = pos_ - at - reserve;
    if (n < 0x80 && reserve == 1) {
      buf_[at] = static_cast<char>(n);
      return;
    }
    char len[10];
    const size_t k = PutVarint(len, n) - len;
    if (k > reserve) Room(k - reserve);
    char* start = buf_.get() + at;
    if (k != reserve) std::memmove(start + k, start + reserve, n);
    std::memcpy(start, len, k);
    pos_ = at + k + n;
  }

  // size is how many bytes are written; Since(start) the ones from
  // `start` on, valid until the next write.
  size_t size() const { return pos_; }
  absl::string_view Since(size_t start) const {
    return absl::string_view(buf_.get() + start, pos_ - start);
  }
  // Append writes `bytes` as they are.
  void Append(absl::string_view bytes) {
    char* p = Room(bytes.size());
    std::memcpy(p, bytes.data(), bytes.size());
    Advance(p + bytes.size());
  }

  // Room makes `n` bytes from the end of what is written writable and
  // returns them; Advance(end) then moves that end to `end`, inside them.
  char* Room(size_t n) {
    if (capacity_ - pos_ < n) Grow(std::max(2 * capacity_, pos_ + n));
    return buf_.get() + pos_;
  }
  void Advance(char* end) { pos_ = end - buf_.get(); }

 private:
  void Grow(size_t capacity) {
    std::unique_ptr<char[]> bigger(new char[capacity]);
    std::memcpy(bigger.get(), buf_.get(), pos_);
    buf_ = std::move(bigger);
    capacity_ = capacity;
  }

  // KeyValueStart makes room for a KeyValue whose AnyValue is `any` bytes
  // long, writes all of it before the AnyValue's field and returns where
  // that goes.
  TRACEPROP_INLINE char* KeyValueStart(uint32_t field, absl::string_view key,
                                       size_t any) {
    const size_t kv =
        1 + VarintSize(key.size()) + key.size() + 1 + VarintSize(any) + any;
    char* p = PutVarint(PutTag(Room(kTagAndVarint + kv), field, 2), kv);
    p = PutBytes(p, 1, key);
    return PutVarint(PutTag(p, 2, 2), any);
  }

  std::unique_ptr<char[]> buf_;
  size_t capacity_;
  size_t pos_ = 0;  // the end of what is written
};

void Attributes(Wire& w, uint32_t field,
                const std::vector<Attribute>& attributes) {
  ForEachAttribute(attributes, [&](absl::string_view k, AttributeValueView v) {
    w.KeyValue(field, k, v);
  });
}

// Proto3 scalars: nothing when zero or empty.
void NonZero(Wire& w, uint32_t field, uint64_t v) {
  if (v != 0) w.Varint(field, v);
}
void NonEmpty(Wire& w, uint32_t field, absl::string_view v) {
  if (!v.empty()) w.String(field, v);
}

// NameAttributes writes an RPC span's rpc.system, rpc.service and
// rpc.method, which follow from its name alone, keeping their bytes for the
// last few names of a batch: a batch holds many spans of each method.
// Encoding them took ~200 instructions a span, copying them ~50.
class NameAttributes {
 public:
  void Write(Wire& w, const SpanData& s) {
    if (!s.rpc.is_rpc) return;
    for (const Entry& e : entries_) {
      if (e.used && e.name == s.name) {
        w.Append(e.bytes);
        return;
      }
    }
    const size_t start = w.size();
    s.ForEachRpcNameAttribute(
        [&](absl::string_view k, auto v)
            TRACEPROP_INLINE_LAMBDA { w.AsciiKeyValue(9, k, v); });
    Entry& e = entries_[next_];
    next_ = (next_ + 1) % entries_.size();
    e.used = true;
    e.name.assign(s.name);
    const absl::string_view bytes = w.Since(start);
    e.bytes.assign(bytes.data(), bytes.size());
  }

 private:
  struct Entry {
    bool used = false;
    std::string name;
    std::string bytes;
  };
  std::array<Entry, 4> entries_;
  size_t next_ = 0;  // the entry a new name replaces
};

// trace.v1.Span, fields in number order (flags, 16, last).
void Span(Wire& w, const SpanData& s, NameAttributes& names) {
  std::string state_copy, name_copy;
  const absl::string_view state = Repaired(s.trace_state, state_copy);
  const absl::string_view name = Repaired(s.name, name_copy);
  // Fields 1 to 8 in one room: written one by one, they took a third of
  // the span's instructions (bench/callgrind_per_call.py, "export").
  char* p = w.Room(6 * kTagAndVarint + 16 + 8 + 8 + 8 + 8 + state.size() +
                   name.size());
  p = PutBytes(p, 1, AsView(s.trace_id.bytes()));
  p = PutBytes(p, 2, AsView(s.span_id.bytes()));
  if (!state.empty()) p = PutBytes(p, 3, state);
  if (s.parent_span_id.IsValid())
    p = PutBytes(p, 4, AsView(s.parent_span_id.bytes()));
  if (!name.empty()) p = PutBytes(p, 5, name);
  if (s.kind != SpanKind::kUnspecified)
    p = PutVarint(PutTag(p, 6, 0), static_cast<uint64_t>(s.kind));
  if (s.start_unix_nano != 0)
    p = PutLittle(PutTag(p, 7, 1), s.start_unix_nano, 8);
  if (s.end_unix_nano != 0) p = PutLittle(PutTag(p, 8, 1), s.end_unix_nano, 8);
  w.Advance(p);
  names.Write(w, s);
  s.ForEachRpcCallAttribute(
      [&](absl::string_view k, auto v)
          TRACEPROP_INLINE_LAMBDA { w.AsciiKeyValue(9, k, v); });
  s.ForEachOtherAttribute(
      [&](absl::string_view k, AttributeValueView v) { w.KeyValue(9, k, v); });
  NonZero(w, 10, s.dropped_attributes);
  for (const SpanEvent& e : s.events) {
    w.Message(11, [&] {
      if (e.time_unix_nano != 0) w.Fixed64(1, e.time_unix_nano);
      NonEmpty(w, 2, e.name);
      Attributes(w, 3, e.attributes);
      NonZero(w, 4, e.dropped_attributes);
    });
  }
  NonZero(w, 12, s.dropped_events);
  for (const SpanLink& l : s.links) {
    w.Message(13, [&] {
      w.Bytes(1, l.context.trace_id().bytes());
      w.Bytes(2, l.context.span_id().bytes());
      if (!l.context.trace_state().empty())
        w.String(3, l.context.trace_state().ToHeader());
      Attributes(w, 4, l.attributes);
      NonZero(w, 5, l.dropped_attributes);
      w.Fixed32(6, OtlpLinkFlags(l.context));
    });
  }
  NonZero(w, 14, s.dropped_links);
  if (s.status != StatusCode::kUnset) {
    w.Message(15, [&] {  // Status{message = 2, code = 3}
      NonEmpty(w, 2, s.status_message);
      w.Varint(3, static_cast<uint64_t>(s.status));
    });
  }
  w.Fixed32(16, OtlpSpanFlags(s));
}

}  // namespace

size_t Utf8Length(absl::string_view s, size_t i) {
  auto at = [&](size_t k) { return static_cast<unsigned char>(s[i + k]); };
  const unsigned char c = at(0);
  if (c < 0x80) return 1;
  size_t n;
  unsigned char lo = 0x80, hi = 0xbf;  // the range of the second byte
  if (c >= 0xc2 && c <= 0xdf) {
    n = 2;
  } else if (c >= 0xe0 && c <= 0xef) {
    n = 3;
    if (c == 0xe0) lo = 0xa0;  // no overlong forms
    if (c == 0xed) hi = 0x9f;  // no surrogates
  } else if (c >= 0xf0 && c <= 0xf4) {
    n = 4;
    if (c == 0xf0) lo = 0x90;  // no overlong forms
    if (c == 0xf4) hi = 0x8f;  // nothing above U+10FFFF
  } else {
    return 0;
  }
  if (s.size() - i < n) return 0;
  if (at(1) < lo || at(1) > hi) return 0;
  for (size_t k = 2; k < n; ++k) {
    if ((at(k) & 0xc0) != 0x80) return 0;
  }
  return n;
}

std::string ValidUtf8(absl::string_view s) {
  size_t i = ValidPrefix(s);  // the common case: all of it, one copy
  std::string out(s.substr(0, i));
  while (i < s.size()) {
    const size_t n = Utf8Length(s, i);
    if (n == 0) {
      out += "\xef\xbf\xbd";  // U+FFFD
      ++i;
    } else {
      out.append(s.data() + i, n);
      i += n;
    }
  }
  return out;
}

uint32_t OtlpSpanFlags(const SpanData& span) {
  uint32_t flags = span.flags.WireValue() | kHasIsRemote;
  if (span.parent_is_remote) flags |= kIsRemote;
  return flags;
}

uint32_t OtlpLinkFlags(const TraceContext& linked) {
  uint32_t flags = linked.flags().WireValue() | kHasIsRemote;
  if (linked.is_remote()) flags |= kIsRemote;
  return flags;
}

EncodedRequest EncodeRequest(
    const std::vector<std::unique_ptr<SpanData>>& spans,
    const std::vector<Attribute>& resource) {
  // ~250 bytes a span with the RPC attributes: one allocation, usually.
  Wire w(256 + 320 * spans.size());
  w.Message(
      1,
      [&] {  // ExportTraceServiceRequest.resource_spans
        w.Message(1, [&] { Attributes(w, 1, resource); });  // .resource
        w.Message(2, [&] {                                  // .scope_spans
          w.Message(1, [&] {                                // .scope
            w.String(1, kScopeName);
            w.String(2, TRACEPROP_VERSION_STRING);
          });
          // Two bytes kept for a span's length: an RPC span is 128 to 16383
          // bytes long.
          NameAttributes names;
          for (const auto& s : spans)
            w.Message(
                2, [&] { Span(w, *s, names); }, 2);
        });
      },
      3);  // a batch is 16 KiB to 2 MiB long
  return std::move(w).Release();
}

}  // namespace internal
}  // namespace traceprop
