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
  // byte by byte, 0.47 us so (BM_OtlpEncode).
  for (uint64_t word; i + 8 <= s.size(); i += 8) {
    std::memcpy(&word, s.data() + i, 8);
    if ((word & 0x8080808080808080u) != 0) break;
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

// Wire appends protobuf fields to a string. Each method writes its field
// whatever the value; leaving proto3 defaults out is the caller's job.
// Written by hand, not by building the generated messages and serialising
// them: that took 2.04 us a span against 0.47 us (BM_OtlpEncode, 2026-12-03),
// on the RPC's CPU when the exporter shares it (docs/BENCHMARKS.md).
class Wire {
 public:
  // Writes from the end of `out`, first making room for `expected` bytes;
  // `out` holds exactly what was written once the Wire is gone.
  Wire(std::string* out, size_t expected) : out_(*out), pos_(out->size()) {
    out_.resize(pos_ + expected);
  }
  ~Wire() { out_.resize(pos_); }

  void Varint(uint32_t field, uint64_t v) {
    Tag(field, 0);
    Raw(v);
  }
  void Fixed64(uint32_t field, uint64_t v) {
    Tag(field, 1);
    Little(v, 8);
  }
  void Fixed32(uint32_t field, uint32_t v) {
    Tag(field, 5);
    Little(v, 4);
  }
  void Bytes(uint32_t field, absl::string_view v) {
    Tag(field, 2);
    Raw(v.size());
    std::memcpy(Room(v.size()), v.data(), v.size());
    pos_ += v.size();
  }
  void String(uint32_t field, absl::string_view v) {  // UTF-8 repaired
    if (ValidPrefix(v) == v.size()) {
      Bytes(field, v);
    } else {
      Bytes(field, ValidUtf8(v));
    }
  }
  template <size_t N>
  void Bytes(uint32_t field, const std::array<uint8_t, N>& v) {
    Bytes(field, absl::string_view(reinterpret_cast<const char*>(v.data()), N));
  }
  // Message writes field `field` holding what `body` writes. The length
  // goes before the body, so the body is moved up when its length needs
  // more than the one byte kept for it.
  template <typename Body>
  void Message(uint32_t field, Body&& body) {
    Tag(field, 2);
    const size_t at = pos_;
    Room(1);
    ++pos_;
    body();
    const uint64_t n = pos_ - at - 1;
    if (n < 0x80) {
      out_[at] = static_cast<char>(n);
      return;
    }
    char len[10];
    const size_t k = EncodeVarint(n, len);
    Room(k - 1);
    std::memmove(&out_[at + k], &out_[at + 1], n);
    std::memcpy(&out_[at], len, k);
    pos_ += k - 1;
  }

 private:
  static size_t EncodeVarint(uint64_t v, char* p) {
    size_t k = 0;
    for (; v >= 0x80; v >>= 7) p[k++] = static_cast<char>(v | 0x80);
    p[k++] = static_cast<char>(v);
    return k;
  }
  // Room makes `n` bytes from pos_ writable and returns them.
  char* Room(size_t n) {
    if (out_.size() - pos_ < n)
      out_.resize(std::max(2 * out_.size(), pos_ + n));
    return &out_[pos_];
  }
  void Tag(uint32_t field, uint32_t wire_type) {
    Raw((static_cast<uint64_t>(field) << 3) | wire_type);
  }
  void Raw(uint64_t v) { pos_ += EncodeVarint(v, Room(10)); }
  void Little(uint64_t v, size_t bytes) {
    char* p = Room(8);
    for (size_t i = 0; i < bytes; ++i) p[i] = static_cast<char>(v >> (8 * i));
    pos_ += bytes;
  }

  std::string& out_;
  size_t pos_;  // the end of what is written; out_ may be longer
};

// common.v1.KeyValue{key = 1, value = 2: AnyValue{string_value = 1,
// bool_value = 2, int_value = 3, double_value = 4}}. AnyValue's fields are a
// oneof: written even when zero or empty.
void KeyValue(Wire& w, uint32_t field, absl::string_view key,
              AttributeValueView value) {
  w.Message(field, [&] {
    w.String(1, key);
    w.Message(2, [&] {
      struct Visitor {
        Wire& w;
        void operator()(absl::string_view v) const { w.String(1, v); }
        void operator()(bool v) const { w.Varint(2, v ? 1 : 0); }
        void operator()(int64_t v) const {
          w.Varint(3, static_cast<uint64_t>(v));
        }
        void operator()(double v) const {
          uint64_t bits;
          std::memcpy(&bits, &v, sizeof bits);
          w.Fixed64(4, bits);
        }
      };
      std::visit(Visitor{w}, value);
    });
  });
}

void Attributes(Wire& w, uint32_t field,
                const std::vector<Attribute>& attributes) {
  ForEachAttribute(attributes, [&](absl::string_view k, AttributeValueView v) {
    KeyValue(w, field, k, v);
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
      [&](absl::string_view k, AttributeValueView v) { KeyValue(w, 9, k, v); });
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
