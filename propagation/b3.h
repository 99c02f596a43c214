// traceprop/propagation/b3.h — Zipkin B3 propagation, single and multi header.
//
// B3 is the header format of Zipkin and of many service meshes. traceprop
// reads and writes both forms:
//
//   b3: <trace-id>-<span-id>[-<sampling>[-<parent-span-id>]]   | b3: <sampling>
//       e.g. b3: 80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1-05e3ac9a4f6e3b90
//   x-b3-traceid: 80f198ee56343ba864fe8b2a57d3eff7   (16 or 32 lowercase hex)
//   x-b3-spanid: e457b5a2e4d86bd1                    (16 lowercase hex)
//   x-b3-parentspanid: 05e3ac9a4f6e3b90              (optional)
//   x-b3-sampled: 1 | 0                              (optional)
//   x-b3-flags: 1                                    (debug, optional)
//
// <sampling> is 1 (accept), 0 (deny) or d (debug, which implies accept).
//
//   absl::StatusOr<traceprop::B3Context> in = traceprop::ParseB3Single(value);
//   if (in.ok() && in->context.IsValid()) { /* continue in->context */ }
//   std::string out = traceprop::FormatB3Single(traceprop::Current());
//
// Specification: https://github.com/openzipkin/b3-propagation.

#ifndef TRACEPROP_PROPAGATION_B3_H_
#define TRACEPROP_PROPAGATION_B3_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "traceprop/context/trace_context.h"

namespace traceprop {

// B3Context is what a B3 header says.
struct B3Context {
  // context: the remote span (is_remote() true) when the header carried
  // ids; invalid for the sampling-only form (`b3: 0`). Its sampled flag is
  // the header's decision (debug counts as sampled; no decision: false).
  // The W3C random flag is never set: B3 does not promise random ids.
  TraceContext context;
  // sampled: the sampling decision, when the header made one.
  std::optional<bool> sampled;
  // debug: the `d` sampling state or `x-b3-flags: 1`.
  bool debug = false;
};

// ParseB3Single parses one `b3` header value. A 16-hex-character (64-bit)
// trace id is left-padded with zeros to 128 bits, as the B3 specification
// says. Returns InvalidArgument, saying why, for anything else: uppercase
// hex, all-zero ids, a wrong length, an unknown sampling state, extra
// fields, leading or trailing bytes. Thread-safe.
absl::StatusOr<B3Context> ParseB3Single(absl::string_view value);

// ParseB3Multi parses the `x-b3-*` headers (pass each value, or nullopt
// when the header is absent). Trace id and span id must both be present
// and valid, or both absent (then only a sampling decision is read);
// `x-b3-sampled` accepts 1 and 0 (and, as Zipkin's own clients send them,
// true and false); `x-b3-flags: 1` means debug. InvalidArgument otherwise.
// Thread-safe.
absl::StatusOr<B3Context> ParseB3Multi(
    std::optional<absl::string_view> trace_id,
    std::optional<absl::string_view> span_id,
    std::optional<absl::string_view> parent_span_id,
    std::optional<absl::string_view> sampled,
    std::optional<absl::string_view> flags);

// FormatB3Single formats `ctx` as a `b3` value with a 128-bit trace id and
// the sampling state 1 or 0 (`<trace-id>-<span-id>-<1|0>`, plus
// `-<parent-span-id>` when ctx has a parent). "" for an invalid context.
std::string FormatB3Single(const TraceContext& ctx);

// B3MultiHeaders are the values FormatB3Multi gives; parent_span_id is ""
// when ctx has no parent (send no header then).
struct B3MultiHeaders {
  std::string trace_id;
  std::string span_id;
  std::string parent_span_id;
  std::string sampled;
};

// FormatB3Multi formats `ctx` as `x-b3-*` values; all empty for an invalid
// context.
B3MultiHeaders FormatB3Multi(const TraceContext& ctx);

}  // namespace traceprop

#endif  // TRACEPROP_PROPAGATION_B3_H_
