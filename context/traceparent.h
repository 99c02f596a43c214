// traceprop/context/traceparent.h — the W3C `traceparent` header.
//
// Wire format (version 00, exactly 55 characters, lowercase hex):
//
//   00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01
//   ^^ ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ ^^^^^^^^^^^^^^^^ ^^
//   |  trace-id (32 hex, not all 0)     parent-id        trace-flags
//   version (2 hex, not "ff")           (16 hex, not 0)  (2 hex)
//
//   absl::StatusOr<traceprop::TraceParent> tp =
//       traceprop::ParseTraceParent(header_value);
//   if (!tp.ok()) {
//     // Restart the trace (W3C §4.3); tp.status().message() says why.
//   }
//   std::string out = traceprop::FormatTraceParent(*tp);  // always "00-..."
//
// W3C Trace Context Level 2, §3.2 (traceparent header) and §4.3 (processing
// model).

#ifndef TRACEPROP_CONTEXT_TRACEPARENT_H_
#define TRACEPROP_CONTEXT_TRACEPARENT_H_

#include <cstddef>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "traceprop/context/ids.h"

namespace traceprop {

// kTraceParentSize is the length of a version-00 traceparent.
inline constexpr size_t kTraceParentSize = 55;

// TraceParent is the decoded content of a traceparent header. Thread-
// compatible value type; a successful parse always yields valid ids.
struct TraceParent {
  uint8_t version = 0;
  TraceId trace_id;
  SpanId parent_id;
  TraceFlags flags;

  friend bool operator==(const TraceParent& a, const TraceParent& b) {
    return a.version == b.version && a.trace_id == b.trace_id &&
           a.parent_id == b.parent_id && a.flags == b.flags;
  }
};

// ParseTraceParent decodes one traceparent header value, following the W3C
// processing model (§4.3):
//  - leading and trailing spaces and tabs (HTTP optional white space) are
//    ignored;
//  - version must be two lowercase hex characters and not "ff";
//  - version 00: exactly 55 characters `vv-<32>-<16>-<2>` of lowercase hex;
//  - a higher version: at least 55 characters, parsed by its first four
//    fields; what follows the flags must be empty or start with '-';
//  - uppercase hex, any other character, wrong lengths or separators, and
//    all-zero trace-id or parent-id are invalid.
// Returns InvalidArgument with a reason a person can read on bad input; the
// caller then restarts the trace. Never reads past `header`; thread-safe.
absl::StatusOr<TraceParent> ParseTraceParent(absl::string_view header);

// FormatTraceParent writes the version-00 form: always "00", and only the
// flag bits version 00 defines (`TraceFlags::WireValue()`), whatever version
// was received. Invalid ids are formatted as given (all zeros): callers
// check validity first (TraceContext does). Thread-safe.
std::string FormatTraceParent(const TraceId& trace_id, const SpanId& span_id,
                              TraceFlags flags);
inline std::string FormatTraceParent(const TraceParent& tp) {
  return FormatTraceParent(tp.trace_id, tp.parent_id, tp.flags);
}
// FormatTraceParentTo writes exactly kTraceParentSize characters at `out`
// (no terminator); the allocation-free form for hot paths.
void FormatTraceParentTo(const TraceId& trace_id, const SpanId& span_id,
                         TraceFlags flags, char* out);

}  // namespace traceprop

#endif  // TRACEPROP_CONTEXT_TRACEPARENT_H_
