// Fuzzes the samplers' handling of an incoming tracestate: its `ot` member
// (`th`, `rv` and unknown sub-keys) arrives from any peer. Input: byte 0
// picks the ratio, bytes 1-16 are the trace id, byte 17 the parent (bit 0:
// valid, bit 1: sampled), the rest the tracestate header (ignored when it
// does not parse, as the interceptors do). Properties, from the
// OpenTelemetry probability-sampling specification, checked against code
// written here, not the sampler's helpers:
//  - TraceIdRatio samples exactly when the randomness (a valid 14-digit
//    `ot=rv`, else the trace id's right-most 56 bits) is at least the
//    ratio's threshold; never for a ratio <= 0 or NaN;
//  - a sampled span's tracestate carries `ot=th:<its threshold>` in the
//    left-most member, and keeps a valid `rv`; an unsampled one carries no
//    `th`, whatever else `ot` holds (too long to add to, a space that
//    would end it once reordered);
//  - other members are kept in order (one dropped from the right only when
//    `ot` is new and the list was full);
//  - ParentBased follows a valid parent's flag and leaves its tracestate
//    alone;
//  - every result is a tracestate that formats and parses back to itself.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "traceprop/context/ids.h"
#include "traceprop/context/trace_context.h"
#include "traceprop/context/tracestate.h"
#include "traceprop/spans/sampler.h"

namespace {

using traceprop::TraceState;

// A ratio and its `th` per the specification (2^56 - round(p * 2^56),
// 14 hex digits, trailing zeros removed); "" where nothing is sampled.
struct Ratio {
  double p;
  const char* th;
};
const Ratio kRatios[] = {
    {1.0, "0"},
    {2.0, "0"},
    {0.5, "8"},
    {0.25, "c"},
    {0.1, "e6666666666666"},
    {0.001, "ffbe76c8b43958"},
    {0.9, "19999999999998"},
    {0x1p-56, "ffffffffffffff"},
    {1e-30, "ffffffffffffff"},  // below 2^-56: the smallest probability
    {0.0, ""},
    {-1.0, ""},
    {std::nan(""), ""},
};

// The `th` value as a 56-bit threshold (right-padded with zeros).
uint64_t Threshold(absl::string_view th) {
  uint64_t v = 0;
  for (char c : th)
    v = v << 4 | static_cast<uint64_t>(c <= '9' ? c - '0' : c - 'a' + 10);
  return v << (4 * (14 - th.size()));
}

bool IsLowerHex(absl::string_view s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

// The first sub-key `key` of the `ot` member, as the specification reads
// `ot=key:value;key:value`.
std::optional<absl::string_view> Sub(const TraceState& ts,
                                     absl::string_view key) {
  const std::optional<absl::string_view> ot = ts.Get("ot");
  if (!ot) return std::nullopt;
  for (absl::string_view m : absl::StrSplit(*ot, ';')) {
    const size_t colon = m.find(':');
    if (colon != absl::string_view::npos && m.substr(0, colon) == key)
      return m.substr(colon + 1);
  }
  return std::nullopt;
}

void CheckWellFormed(const TraceState& ts) {
  if (ts.size() > TraceState::kMaxMembers) std::abort();
  const absl::StatusOr<TraceState> back =
      TraceState::Parse(ts.ToHeader(static_cast<size_t>(-1)));
  if (!back.ok() || *back != ts) std::abort();
}

// The members other than `ot`, in order.
std::vector<TraceState::Entry> Others(const TraceState& ts) {
  std::vector<TraceState::Entry> out;
  for (const TraceState::Entry& e : ts.entries()) {
    if (e.key != "ot") out.push_back(e);
  }
  return out;
}

bool SameEntries(const std::vector<TraceState::Entry>& a,
                 const std::vector<TraceState::Entry>& b, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    if (a[i].key != b[i].key || a[i].value != b[i].value) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 18) return 0;
  const Ratio& ratio =
      kRatios[data[0] % (sizeof(kRatios) / sizeof(kRatios[0]))];
  const traceprop::TraceId trace_id =
      *traceprop::TraceId::FromBytes(data + 1, 16);
  const bool parent_valid = (data[17] & 1) != 0;
  const bool parent_sampled = (data[17] & 2) != 0;
  const absl::string_view header(reinterpret_cast<const char*>(data) + 18,
                                 size - 18);
  absl::StatusOr<TraceState> parsed = TraceState::Parse(header);
  const TraceState state = parsed.ok() ? *std::move(parsed) : TraceState();

  traceprop::TraceContext parent;
  uint8_t span_bytes[8] = {0, 0, 0, 0, 0, 0, 0, 1};
  if (parent_valid && trace_id.IsValid()) {
    parent = traceprop::TraceContext(
        trace_id, *traceprop::SpanId::FromBytes(span_bytes, 8),
        traceprop::TraceFlags(parent_sampled ? 3 : 2), state);
  } else {
    parent = parent.WithTraceState(state);
  }

  // TraceIdRatio, applied to this parent.
  const auto sampler = traceprop::TraceIdRatioSampler(ratio.p);
  const traceprop::SamplingResult r = sampler->ShouldSample(
      parent, trace_id, "fuzz", traceprop::SpanKind::kInternal);
  CheckWellFormed(r.trace_state);
  uint64_t randomness = 0;
  for (size_t i = 9; i < 16; ++i) randomness = randomness << 8 | data[1 + i];
  const std::optional<absl::string_view> rv = Sub(state, "rv");
  const bool valid_rv = rv && rv->size() == 14 && IsLowerHex(*rv);
  if (valid_rv) randomness = Threshold(*rv);
  const bool expected = *ratio.th != '\0' && randomness >= Threshold(ratio.th);
  if (r.sampled != expected) std::abort();

  const std::vector<TraceState::Entry> before = Others(state);
  const std::vector<TraceState::Entry> after = Others(r.trace_state);
  if (r.sampled) {
    const std::optional<absl::string_view> th = Sub(r.trace_state, "th");
    if (!th || *th != ratio.th) std::abort();
    if (r.trace_state.entries().front().key != "ot") std::abort();
    if (valid_rv && Sub(r.trace_state, "rv") != rv) std::abort();
    // `ot` new and the list full: the right-most member made room.
    const bool made_room =
        !state.Get("ot") && state.size() == TraceState::kMaxMembers;
    if (after.size() != before.size() - (made_room ? 1 : 0)) std::abort();
    if (!SameEntries(before, after, after.size())) std::abort();
  } else {
    if (Sub(r.trace_state, "th")) std::abort();
    if (after.size() != before.size() ||
        !SameEntries(before, after, after.size()))
      std::abort();
  }

  // ParentBased: a valid parent decides and its tracestate passes on as is.
  const auto parent_based = traceprop::ParentBasedSampler(sampler);
  const traceprop::SamplingResult pb = parent_based->ShouldSample(
      parent, trace_id, "fuzz", traceprop::SpanKind::kInternal);
  CheckWellFormed(pb.trace_state);
  if (parent.IsValid()) {
    if (pb.sampled != parent_sampled || pb.trace_state != state) std::abort();
  } else if (pb.sampled != r.sampled || pb.trace_state != r.trace_state) {
    std::abort();
  }
  return 0;
}
