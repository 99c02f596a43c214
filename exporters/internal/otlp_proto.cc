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

// Repaired returns `s` when it is valid UTF-8 (the common case: no copy),
// else ValidUtf8(s), kept in `copy`.
absl::string_view Repaired(absl::string_view s, std::string& copy) {
  if (ValidPrefix(s) == s.size()) return s;
  copy = ValidUtf8(s);
  return copy;
}

size_t VarintSize(uint64_t v) {
  size_t n = 1;
  for (; v >= 0x80; v >>= 7) ++n;
  return n;
}

// The Put* functions write at `p`, which must have room, and return the
// end of what they wrote.
char* PutVarint(char* p, uint64_t v) {
  for (; v >= 0x80; v >>= 7) *p++ = static_cast<char>(v | 0x80);
  *p++ = static_cast<char>(v);
  return p;
}
char* PutTag(char* p, uint32_t field, uint32_t wire_type) {
  return PutVarint(p, (static_cast<uint64_t>(field) << 3) | wire_type);
}
char* PutLittle(char* p, uint64_t v, size_t bytes) {
  if constexpr (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__) {
    std::memcpy(p, &v, bytes);
  } else {
    for (size_t i = 0; i < bytes; ++i) p[i] = static_cast<char>(v >> (8 * i));
  }
  return p + bytes;
}
char* PutBytes(char* p, uint32_t field, absl::string_view v) {
  p = PutVarint(PutTag(p, field, 2), v.size());
  std::memcpy(p, v.data(), v.size());
  return p + v.size();
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
  // Writes from the end of `out`, first making room for `expected` bytes;
  // `out` holds exactly what was written once the Wire is gone.
  Wire(std::string* out, size_t expected) : out_(*out), pos_(out->size()) {
    out_.resize(pos_ + expected);
  }
  ~Wire() { out_.resize(pos_); }

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
    Bytes(field, absl::string_view(reinterpret_cast<const char*>(v.data()), N));
  }
  // KeyValue writes field `field` holding a common.v1.KeyValue{key = 1,
  // value = 2: AnyValue{string_value = 1, bool_value = 2, int_value = 3,
  // double_value = 4}}, strings UTF-8 repaired. AnyValue's fields are a
  // oneof: written even when zero or empty.
  void KeyValue(uint32_t field, absl::string_view key,
                AttributeValueView value) {
    std::string key_copy, text_copy;
    key = Repaired(key, key_copy);
    absl::string_view text;  // a string value
    uint64_t bits = 0;       // a scalar value as its varint or fixed64
    uint32_t value_field;
    size_t any;  // the AnyValue's length
    if (const auto* s = std::get_if<absl::string_view>(&value)) {
      text = Repaired(*s, text_copy);
      value_field = 1;
      any = 1 + VarintSize(text.size()) + text.size();
    } else if (const auto* b = std::get_if<bool>(&value)) {
      bits = *b ? 1 : 0;
      value_field = 2;
      any = 2;
    } else if (const auto* i = std::get_if<int64_t>(&value)) {
      bits = static_cast<uint64_t>(*i);
      value_field = 3;
      any = 1 + VarintSize(bits);
    } else {
      std::memcpy(&bits, &std::get<double>(value), sizeof bits);
      value_field = 4;
      any = 1 + 8;
    }
    const size_t kv =
        1 + VarintSize(key.size()) + key.size() + 1 + VarintSize(any) + any;
    char* p = PutVarint(PutTag(Room(kTagAndVarint + kv), field, 2), kv);
    p = PutBytes(p, 1, key);
    p = PutVarint(PutTag(p, 2, 2), any);
    if (value_field == 1) {
      p = PutBytes(p, 1, text);
    } else if (value_field == 4) {
      p = PutLittle(PutTag(p, 4, 1), bits, 8);
    } else {
      p = PutVarint(PutTag(p, value_field, 0), bits);
    }
    Advance(p);
  }
  // Message writes field `field` holding what `body` writes. The length
  // goes before the body, so the body is moved up when its length needs
  // more than the one byte kept for it.
  template <typename Body>
  void Message(uint32_t field, Body&& body) {
    Advance(PutTag(Room(5 + 1), field, 2));
    const size_t at = pos_;
    ++pos_;
    body();
    const uint64_t n = pos_ - at - 1;
    if (n < 0x80) {
      out_[at] = static_cast<char>(n);
      return;
    }
    char len[10];
    const size_t k = PutVarint(len, n) - len;
    Room(k - 1);
    std::memmove(&out_[at + k], &out_[at + 1], n);
    std::memcpy(&out_[at], len, k);
    pos_ += k - 1;
  }

 private:
  // Room makes `n` bytes from pos_ writable and returns them.
  char* Room(size_t n) {
    if (out_.size() - pos_ < n)
      out_.resize(std::max(2 * out_.size(), pos_ + n));
    return &out_[pos_];
  }
  // Advance moves the end of what is written to `end`, inside the last Room.
  void Advance(char* end) { pos_ = end - out_.data(); }

  std::string& out_;
  size_t pos_;  // the end of what is written; out_ may be longer
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

// trace.v1.Span, fields in number order (flags, 16, last).
void Span(Wire& w, const SpanData& s) {
  w.Bytes(1, s.trace_id.bytes());
  w.Bytes(2, s.span_id.bytes());
  NonEmpty(w, 3, s.trace_state);
  if (s.parent_span_id.IsValid()) w.Bytes(4, s.parent_span_id.bytes());
  NonEmpty(w, 5, s.name);
  NonZero(w, 6, static_cast<uint64_t>(s.kind));
  if (s.start_unix_nano != 0) w.Fixed64(7, s.start_unix_nano);
  if (s.end_unix_nano != 0) w.Fixed64(8, s.end_unix_nano);
  s.ForEachAttribute(
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

void EncodeRequest(const std::vector<std::unique_ptr<SpanData>>& spans,
                   const std::vector<Attribute>& resource, std::string* out) {
  // ~250 bytes a span with the RPC attributes: one allocation, usually.
  Wire w(out, 256 + 320 * spans.size());
  w.Message(1, [&] {  // ExportTraceServiceRequest.resource_spans
    w.Message(1, [&] { Attributes(w, 1, resource); });  // .resource
    w.Message(2, [&] {                                  // .scope_spans
      w.Message(1, [&] {                                // .scope
        w.String(1, kScopeName);
        w.String(2, TRACEPROP_VERSION_STRING);
      });
      for (const auto& s : spans) w.Message(2, [&] { Span(w, *s); });
    });
  });
}

}  // namespace internal
}  // namespace traceprop
