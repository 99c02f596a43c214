#include "traceprop/propagation/b3.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace traceprop {
namespace {

// ParseTraceId accepts 32 or 16 lowercase hex characters; 16 are the low
// 64 bits of a 128-bit id whose high bits are zero.
absl::StatusOr<TraceId> ParseTraceId(absl::string_view hex) {
  if (hex.size() == 16) {
    return TraceId::FromHex(absl::StrCat("0000000000000000", hex));
  }
  return TraceId::FromHex(hex);
}

absl::Status Invalid(absl::string_view what, const absl::Status& why) {
  return absl::InvalidArgumentError(absl::StrCat("b3 ", what, ": ", why.message()));
}

// Decide applies a sampling state ("1", "0", "d") to `out`.
absl::Status Decide(absl::string_view state, B3Context* out) {
  if (state == "1") {
    out->sampled = true;
  } else if (state == "0") {
    out->sampled = false;
  } else if (state == "d") {
    out->sampled = true;
    out->debug = true;
  } else {
    return absl::InvalidArgumentError("b3 sampling state must be 1, 0 or d");
  }
  return absl::OkStatus();
}

// Finish builds the remote context from parsed ids and the decision. The
// remote span's own parent id is checked but not kept: like a traceparent,
// the context names the span we continue from.
B3Context Finish(TraceId trace_id, SpanId span_id, B3Context decision) {
  decision.context = TraceContext(trace_id, span_id,
                                  TraceFlags().WithSampled(decision.sampled.value_or(false)),
                                  TraceState(), SpanId(), /*remote=*/true);
  return decision;
}

}  // namespace

absl::StatusOr<B3Context> ParseB3Single(absl::string_view value) {
  B3Context out;
  // StrSplit gives no part at all for a null view: check emptiness first.
  if (value.empty()) return absl::InvalidArgumentError("b3 is empty");
  std::vector<absl::string_view> parts = absl::StrSplit(value, '-');
  if (parts.size() == 1) {  // sampling only: "b3: 0" (or 1, d)
    absl::Status s = Decide(parts[0], &out);
    if (!s.ok()) return s;
    return out;
  }
  if (parts.size() > 4) {
    return absl::InvalidArgumentError("b3 has more than 4 fields");
  }
  absl::StatusOr<TraceId> trace_id = ParseTraceId(parts[0]);
  if (!trace_id.ok()) return Invalid("trace id", trace_id.status());
  absl::StatusOr<SpanId> span_id = SpanId::FromHex(parts[1]);
  if (!span_id.ok()) return Invalid("span id", span_id.status());
  if (parts.size() >= 3) {
    absl::Status s = Decide(parts[2], &out);
    if (!s.ok()) return s;
  }
  if (parts.size() == 4) {
    absl::StatusOr<SpanId> p = SpanId::FromHex(parts[3]);
    if (!p.ok()) return Invalid("parent span id", p.status());
  }
  return Finish(*trace_id, *span_id, out);
}

absl::StatusOr<B3Context> ParseB3Multi(
    std::optional<absl::string_view> trace_id,
    std::optional<absl::string_view> span_id,
    std::optional<absl::string_view> parent_span_id,
    std::optional<absl::string_view> sampled,
    std::optional<absl::string_view> flags) {
  B3Context out;
  if (flags.has_value()) {
    if (*flags != "1" && *flags != "0") {
      return absl::InvalidArgumentError("x-b3-flags must be 1 or 0");
    }
    if (*flags == "1") {
      out.debug = true;
      out.sampled = true;
    }
  }
  if (sampled.has_value() && !out.debug) {
    if (*sampled == "1" || *sampled == "true") {
      out.sampled = true;
    } else if (*sampled == "0" || *sampled == "false") {
      out.sampled = false;
    } else {
      return absl::InvalidArgumentError("x-b3-sampled must be 1 or 0");
    }
  }
  if (!trace_id.has_value() && !span_id.has_value()) {
    if (parent_span_id.has_value()) {
      return absl::InvalidArgumentError("x-b3-parentspanid without ids");
    }
    return out;
  }
  if (!trace_id.has_value() || !span_id.has_value()) {
    return absl::InvalidArgumentError(
        "x-b3-traceid and x-b3-spanid must come together");
  }
  absl::StatusOr<TraceId> tid = ParseTraceId(*trace_id);
  if (!tid.ok()) return Invalid("trace id", tid.status());
  absl::StatusOr<SpanId> sid = SpanId::FromHex(*span_id);
  if (!sid.ok()) return Invalid("span id", sid.status());
  if (parent_span_id.has_value()) {
    absl::StatusOr<SpanId> p = SpanId::FromHex(*parent_span_id);
    if (!p.ok()) return Invalid("parent span id", p.status());
  }
  return Finish(*tid, *sid, out);
}

std::string FormatB3Single(const TraceContext& ctx) {
  if (!ctx.IsValid()) return "";
  std::string out = absl::StrCat(ctx.trace_id().ToHex(), "-", ctx.span_id().ToHex(),
                                 ctx.sampled() ? "-1" : "-0");
  if (ctx.parent_span_id().IsValid()) {
    absl::StrAppend(&out, "-", ctx.parent_span_id().ToHex());
  }
  return out;
}

B3MultiHeaders FormatB3Multi(const TraceContext& ctx) {
  B3MultiHeaders out;
  if (!ctx.IsValid()) return out;
  out.trace_id = ctx.trace_id().ToHex();
  out.span_id = ctx.span_id().ToHex();
  if (ctx.parent_span_id().IsValid()) {
    out.parent_span_id = ctx.parent_span_id().ToHex();
  }
  out.sampled = ctx.sampled() ? "1" : "0";
  return out;
}

}  // namespace traceprop
