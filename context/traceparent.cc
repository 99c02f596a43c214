#include "traceprop/context/traceparent.h"

#include <cstring>

#include "absl/strings/str_cat.h"
#include "traceprop/context/internal/hex.h"

namespace traceprop {
namespace {

bool IsOws(char c) { return c == ' ' || c == '\t'; }

absl::string_view TrimOws(absl::string_view s) {
  if (s.size() == kTraceParentSize && !IsOws(s.front()) && !IsOws(s.back()))
    return s;  // the usual header: nothing to trim
  while (!s.empty() && IsOws(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsOws(s.back())) s.remove_suffix(1);
  return s;
}

absl::Status Invalid(absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("traceparent: ", why));
}

}  // namespace

absl::StatusOr<TraceParent> ParseTraceParent(absl::string_view header) {
  const absl::string_view s = TrimOws(header);
  if (s.size() < kTraceParentSize) {
    return Invalid(absl::StrCat("too short: ", s.size(),
                                " characters, a traceparent has at least ",
                                kTraceParentSize));
  }
  const char* p = s.data();
  TraceParent tp;
  if (!internal::DecodeLowerHex(p, 2, &tp.version)) {
    return Invalid("version is not two lowercase hex characters");
  }
  if (tp.version == 0xff) return Invalid("version ff is forbidden");
  if (tp.version == 0x00 && s.size() != kTraceParentSize) {
    return Invalid(absl::StrCat("version 00 must be exactly ", kTraceParentSize,
                                " characters, got ", s.size()));
  }
  if (p[2] != '-' || p[35] != '-' || p[52] != '-') {
    return Invalid("fields must be separated by '-' at positions 2, 35, 52");
  }
  if (s.size() > kTraceParentSize && p[kTraceParentSize] != '-') {
    return Invalid("a field after trace-flags must start with '-'");
  }
  std::array<uint8_t, TraceId::kSize> trace_bytes;
  if (!internal::DecodeLowerHex(p + 3, 32, trace_bytes.data())) {
    return Invalid("trace-id is not 32 lowercase hex characters");
  }
  std::array<uint8_t, SpanId::kSize> span_bytes;
  if (!internal::DecodeLowerHex(p + 36, 16, span_bytes.data())) {
    return Invalid("parent-id is not 16 lowercase hex characters");
  }
  uint8_t flags = 0;
  if (!internal::DecodeLowerHex(p + 53, 2, &flags)) {
    return Invalid("trace-flags is not two lowercase hex characters");
  }
  tp.trace_id = TraceId(trace_bytes);
  tp.parent_id = SpanId(span_bytes);
  tp.flags = TraceFlags(flags);
  if (!tp.trace_id.IsValid()) return Invalid("trace-id is all zeros");
  if (!tp.parent_id.IsValid()) return Invalid("parent-id is all zeros");
  return tp;
}

void FormatTraceParentTo(const TraceId& trace_id, const SpanId& span_id,
                         TraceFlags flags, char* out) {
  out[0] = '0';
  out[1] = '0';
  out[2] = '-';
  internal::EncodeLowerHex(trace_id.bytes().data(), TraceId::kSize, out + 3);
  out[35] = '-';
  internal::EncodeLowerHex(span_id.bytes().data(), SpanId::kSize, out + 36);
  out[52] = '-';
  const uint8_t f = flags.WireValue();
  internal::EncodeLowerHex(&f, 1, out + 53);
}

std::string FormatTraceParent(const TraceId& trace_id, const SpanId& span_id,
                              TraceFlags flags) {
  std::string out(kTraceParentSize, '\0');
  FormatTraceParentTo(trace_id, span_id, flags, out.data());
  return out;
}

}  // namespace traceprop
