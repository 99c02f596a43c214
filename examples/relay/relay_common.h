// examples/relay/relay_common.h — small helpers shared by relay_server and
// relay_client (not part of the library).

#ifndef TRACEPROP_EXAMPLES_RELAY_RELAY_COMMON_H_
#define TRACEPROP_EXAMPLES_RELAY_RELAY_COMMON_H_

#include <grpcpp/server_context.h>

#include <cstdlib>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "traceprop/context/trace_context.h"
#include "traceprop/examples/proto/relay.pb.h"

namespace traceprop_examples {

// JoinedMetadata returns all values of metadata `key` the client sent, in
// order, joined with "," ("" when there is none).
inline std::string JoinedMetadata(const grpc::ServerContextBase& ctx,
                                  const std::string& key) {
  std::string out;
  auto range = ctx.client_metadata().equal_range(key);
  for (auto it = range.first; it != range.second; ++it) {
    if (it != range.first) out += ',';
    out.append(it->second.data(), it->second.size());
  }
  return out;
}

// ValidateHop checks that `hop` is "host:port" with a non-empty host and a
// port in 1..65535; InvalidArgument naming the entry otherwise.
inline absl::Status ValidateHop(absl::string_view hop) {
  size_t colon = hop.rfind(':');
  int port = 0;
  if (colon == absl::string_view::npos || colon == 0 ||
      !absl::SimpleAtoi(hop.substr(colon + 1), &port) || port < 1 ||
      port > 65535 || hop.find_first_of(" ,/") != absl::string_view::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("route entry '", hop, "' is not host:port"));
  }
  return absl::OkStatus();
}

// StatusCodeName returns the canonical name of a gRPC status code.
inline const char* StatusCodeName(grpc::StatusCode code) {
  static const char* const kNames[] = {"OK",
                                       "CANCELLED",
                                       "UNKNOWN",
                                       "INVALID_ARGUMENT",
                                       "DEADLINE_EXCEEDED",
                                       "NOT_FOUND",
                                       "ALREADY_EXISTS",
                                       "PERMISSION_DENIED",
                                       "RESOURCE_EXHAUSTED",
                                       "FAILED_PRECONDITION",
                                       "ABORTED",
                                       "OUT_OF_RANGE",
                                       "UNIMPLEMENTED",
                                       "INTERNAL",
                                       "UNAVAILABLE",
                                       "DATA_LOSS",
                                       "UNAUTHENTICATED"};
  int i = static_cast<int>(code);
  return i >= 0 && i < 17 ? kNames[i] : "UNKNOWN_CODE";
}

// FillSpan writes the trace fields of `span` (the hop's server span) into
// `hop`; parent_span_id stays "" for a span that started a new trace.
inline void FillSpan(const traceprop::TraceContext& span,
                     traceprop::examples::Hop* hop) {
  if (!span.IsValid()) return;
  hop->set_trace_id(span.trace_id().ToHex());
  hop->set_span_id(span.span_id().ToHex());
  if (span.parent_span_id().IsValid()) {
    hop->set_parent_span_id(span.parent_span_id().ToHex());
  }
  hop->set_sampled(span.sampled());
}

}  // namespace traceprop_examples

#endif  // TRACEPROP_EXAMPLES_RELAY_RELAY_COMMON_H_
