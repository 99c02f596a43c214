// basics: the W3C core on its own, no gRPC. Starts a root trace, makes a
// child span, and round-trips both through the traceparent/tracestate
// headers and the traceprop.v1.TraceContext proto message.
//
//   build/release/examples/basics/basics
#include <cstdio>
#include <string>

#include "traceprop/context/current.h"
#include "traceprop/context/proto_conversion.h"
#include "traceprop/context/trace_context.h"

namespace {

void Print(const char* label, const traceprop::TraceContext& c) {
  std::printf(
      "%-22s traceparent=%s tracestate=\"%s\" parent=%s remote=%d\n", label,
      c.ToTraceParent().c_str(), c.ToTraceStateHeader().c_str(),
      c.parent_span_id().IsValid() ? c.parent_span_id().ToHex().c_str() : "-",
      c.is_remote() ? 1 : 0);
}

}  // namespace

int main() {
  // A new trace, with our vendor entry in tracestate.
  traceprop::TraceContext root = traceprop::TraceContext::NewRoot();
  absl::StatusOr<traceprop::TraceState> state =
      root.trace_state().Set("traceprop", "demo");
  if (state.ok()) root = root.WithTraceState(*state);
  Print("root", root);

  // A child span of it, made current for a block of work.
  traceprop::SpanScope span(root);
  const traceprop::TraceContext& child = traceprop::Current();
  Print("child (current)", child);

  // Across a process boundary as headers...
  absl::StatusOr<traceprop::TraceContext> via_headers =
      traceprop::TraceContext::FromHeaders(child.ToTraceParent(),
                                           {child.ToTraceStateHeader()});
  if (!via_headers.ok()) {
    std::fprintf(stderr, "headers: %s\n",
                 std::string(via_headers.status().message()).c_str());
    return 1;
  }
  Print("child via headers", *via_headers);

  // ...and as a proto message in a task payload.
  std::string payload;
  traceprop::ToProto(child).SerializeToString(&payload);
  traceprop::v1::TraceContext message;
  message.ParseFromString(payload);
  absl::StatusOr<traceprop::TraceContext> via_proto =
      traceprop::FromProto(message);
  if (!via_proto.ok()) {
    std::fprintf(stderr, "proto: %s\n",
                 std::string(via_proto.status().message()).c_str());
    return 1;
  }
  Print("child via proto", *via_proto);
  std::printf("proto payload: %zu bytes\n", payload.size());

  // A malformed header never becomes a context: the receiver restarts.
  absl::StatusOr<traceprop::TraceContext> bad =
      traceprop::TraceContext::FromHeaders(
          "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01");
  std::printf("malformed header:      %s\n",
              std::string(bad.status().message()).c_str());

  const bool same_trace = via_headers->trace_id() == root.trace_id() &&
                          via_proto->trace_id() == root.trace_id() &&
                          via_headers->span_id() == child.span_id() &&
                          child.parent_span_id() == root.span_id();
  std::printf("one trace end to end:  %s\n", same_trace ? "yes" : "NO");
  return same_trace && !bad.ok() ? 0 : 1;
}
