// examples/relay/relay_common.h — small helpers shared by relay_server and
// relay_client (not part of the library).

#ifndef TRACEPROP_EXAMPLES_RELAY_RELAY_COMMON_H_
#define TRACEPROP_EXAMPLES_RELAY_RELAY_COMMON_H_

#include <grpcpp/client_context.h>
#include <grpcpp/server_context.h>

#include <chrono>
#include <cstdlib>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
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

// Printable returns `text` — which came from the network (a payload, a
// route entry, a peer's error message) — safe to put in a log line or on a
// terminal: printable ASCII stays as it is, a backslash is doubled, and
// every other byte (CR, LF, ESC, any control or non-ASCII byte) becomes a
// visible escape (\r, \n, \t, \x1b, \xff), so it can neither start a forged
// log line nor move the cursor. Cut to `max_bytes` of input, with the
// original size appended when cut.
inline std::string Printable(absl::string_view text, size_t max_bytes = 128) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : text.substr(0, max_bytes)) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else {
      out += {'\\', 'x', kHex[c >> 4], kHex[c & 0xf]};
    }
  }
  if (text.size() > max_bytes) absl::StrAppend(&out, "...(", text.size(), " bytes)");
  return out;
}

// PrintableRoute is Printable for a list of route entries, comma-joined.
template <typename Entries>
std::string PrintableRoute(const Entries& entries) {
  return absl::StrJoin(entries, ",", [](std::string* out, const auto& entry) {
    out->append(Printable(entry, 64));
  });
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
        absl::StrCat("route entry '", Printable(hop, 64),
                     "' is not host:port"));
  }
  return absl::OkStatus();
}

// ValidateRoute checks every entry of the request's route with ValidateHop.
inline absl::Status ValidateRoute(
    const traceprop::examples::ForwardRequest& request) {
  for (const std::string& entry : request.route()) {
    absl::Status valid = ValidateHop(entry);
    if (!valid.ok()) return valid;
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

// kDownstreamCap bounds a downstream call whose incoming call came without
// a deadline; an incoming deadline always bounds it (it propagates).
constexpr std::chrono::seconds kDownstreamCap{10};

// CapDeadline sets the downstream deadline to the cap when the incoming
// call's deadline (already propagated into `call`) is later than that.
inline void CapDeadline(std::chrono::system_clock::time_point incoming,
                        grpc::ClientContext* call) {
  auto cap = std::chrono::system_clock::now() + kDownstreamCap;
  if (incoming > cap) call->set_deadline(cap);
}

// DownstreamRequest is what this hop sends to route(0): the rest of the
// route, the same payload and hold.
inline traceprop::examples::ForwardRequest DownstreamRequest(
    const traceprop::examples::ForwardRequest& request) {
  traceprop::examples::ForwardRequest downstream;
  downstream.mutable_route()->CopyFrom(request.route());
  downstream.mutable_route()->erase(downstream.mutable_route()->begin());
  downstream.set_payload(request.payload());
  downstream.set_hold_ms(request.hold_ms());
  return downstream;
}

// Hex is an id's lower-case hex, or "" for an invalid (all-zero) id.
inline std::string Hex(const traceprop::TraceId& id) {
  return id.IsValid() ? id.ToHex() : "";
}
inline std::string Hex(const traceprop::SpanId& id) {
  return id.IsValid() ? id.ToHex() : "";
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
