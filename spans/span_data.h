// traceprop/spans/span_data.h — the finished span a processor and an
// exporter see.
//
// A SpanData is what a RecordingSpan (span.h) hands to the installed
// processor when it ends: ids, parent, name, kind, times, status,
// attributes, events and links, with the OpenTelemetry data model's
// meanings and numeric values (SpanKind and StatusCode are the OTLP enum
// numbers). Exporters (exporters/) translate it to OTLP. From a test
// exporter:
//
//   for (const auto& span : batch) {
//     std::cout << span->name << " " << span->span_id.ToHex() << " "
//               << (span->end_unix_nano - span->start_unix_nano) << " ns\n";
//     if (std::optional<AttributeValue> v = span->FindAttribute("rpc.method"))
//       ...
//     span->ForEachAttribute([](absl::string_view key, AttributeValueView v) {
//       ...  // the RPC attributes, then `attributes`
//     });
//   }

#ifndef TRACEPROP_SPANS_SPAN_DATA_H_
#define TRACEPROP_SPANS_SPAN_DATA_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/strings/string_view.h"
#include "traceprop/context/ids.h"
#include "traceprop/context/trace_context.h"

namespace traceprop {

// SpanKind is the role of a span, numbered as OTLP's Span.SpanKind.
enum class SpanKind : int {
  kUnspecified = 0,
  kInternal = 1,
  kServer = 2,
  kClient = 3,
  kProducer = 4,
  kConsumer = 5,
};

// StatusCode is a span's outcome, numbered as OTLP's Status.StatusCode.
// kUnset is the default ("no error known"); kOk is set only by users.
enum class StatusCode : int {
  kUnset = 0,
  kOk = 1,
  kError = 2,
};

// AttributeValue is one attribute's value: a bool, a 64-bit integer, a
// double or a string (OTLP AnyValue's scalar cases).
using AttributeValue = std::variant<bool, int64_t, double, std::string>;

// Attribute is a key with its value.
struct Attribute {
  std::string key;
  AttributeValue value;
};

// AttributeValueView is an attribute value as ForEachAttribute shows it:
// strings are views, valid during the call.
using AttributeValueView =
    std::variant<bool, int64_t, double, absl::string_view>;

// RpcAttributes are the OpenTelemetry RPC semantic conventions' attributes
// of a span the interceptors record, kept typed: setting them one by one
// as `attributes` cost about 1,700 instructions per call (docs/DESIGN.md).
// ForEachAttribute and FindAttribute show them as attributes:
//   rpc.system "grpc", rpc.service, rpc.method  when `is_rpc`; service and
//                             method are the span name's parts around its
//                             last '/' (none without one)
//   server.address, server.port                 when not empty / >= 0
//   network.peer.address, network.peer.port     parsed from `peer`, gRPC's
//   (network.transport "unix" for unix: peers)   peer URI: "ipv4:1.2.3.4:80",
//                                               "ipv6:[::1]:80", "unix:/p";
//                                               any other form: omitted
//   rpc.grpc.status_code                        when >= 0
struct RpcAttributes {
  // kMaxAttributes: the most attributes the list above gives one span.
  static constexpr size_t kMaxAttributes = 9;
  bool is_rpc = false;
  int32_t grpc_status_code = -1;
  int32_t server_port = -1;
  std::string server_address;
  std::string peer;

  // PeerAddress is network.peer.* as read from `peer`.
  struct PeerAddress {
    absl::string_view address;  // a view into `peer`
    int64_t port = -1;          // -1: none (unix: peers)
    // network.transport "unix". Not `unix`: GNU modes define it as 1.
    bool unix_socket = false;
  };
  // ParsePeer reads `peer` into `out`: "ipv4:1.2.3.4:80", "ipv6:[::1]:80"
  // and "unix:/path". Any other form, or a port that is not a number in
  // 0..65535, gives false and leaves `out` unspecified.
  bool ParsePeer(PeerAddress& out) const;
};

// SpanEvent is a named, timed annotation on a span ("exception" for
// errors, with the semantic conventions' exception.* attributes).
struct SpanEvent {
  std::string name;
  uint64_t time_unix_nano = 0;
  std::vector<Attribute> attributes;
  uint32_t dropped_attributes = 0;  // beyond SpanLimits::event_attribute_count
};

// SpanLink points at another span context: the caller's context when a
// server restarts the trace at a trust boundary, the origin of a
// new-trace background task.
struct SpanLink {
  TraceContext context;
  std::vector<Attribute> attributes;
  uint32_t dropped_attributes = 0;  // beyond SpanLimits::link_attribute_count
};

// SpanLimits bound what one span holds (TracerProviderOptions::span_limits;
// the OTEL_*_LIMIT variables in exporters/env_config.h). What is beyond a
// count is dropped and counted in the dropped_* fields; a string attribute
// value longer than `attribute_value_length` characters (Unicode code points
// of UTF-8; bytes of invalid UTF-8 count one each) is cut to that many,
// never inside a character. The defaults are the OpenTelemetry SDK's: 128
// of each, values unlimited. A limit of 0 keeps none.
struct SpanLimits {
  static constexpr size_t kUnlimited = static_cast<size_t>(-1);
  // attribute_count counts every span attribute, the RPC ones (RpcAttributes,
  // at most 9) included. Those are always kept (below 9 the count can be
  // exceeded by them alone); the user's latest attributes make room.
  size_t attribute_count = 128;
  size_t event_count = 128;
  size_t link_count = 128;
  size_t event_attribute_count = 128;
  size_t link_attribute_count = 128;
  // attribute_value_length applies to span, event and link attributes set
  // through the API (not to the RPC attributes, which gRPC bounds).
  size_t attribute_value_length = kUnlimited;
};

// SpanData is one ended span. A plain value: thread-compatible; the
// processor owns it (std::unique_ptr) once the span has ended.
struct SpanData {
  TraceId trace_id;
  SpanId span_id;
  SpanId parent_span_id;          // all zeros for a root span
  bool parent_is_remote = false;  // the parent came from another process
  TraceFlags flags;
  std::string trace_state;  // the W3C tracestate header value
  std::string name;
  SpanKind kind = SpanKind::kInternal;
  uint64_t start_unix_nano = 0;  // wall clock
  uint64_t end_unix_nano = 0;    // start + a monotonic-clock duration
  StatusCode status = StatusCode::kUnset;
  std::string status_message;         // only with kError
  RpcAttributes rpc;                  // an RPC span's attributes, typed
  std::vector<Attribute> attributes;  // every other attribute
  std::vector<SpanEvent> events;
  std::vector<SpanLink> links;
  uint32_t dropped_attributes = 0;
  uint32_t dropped_events = 0;
  uint32_t dropped_links = 0;

  // ForEachAttribute calls `f` with every attribute of the span: those of
  // `rpc` first (in the order listed there), then `attributes`, skipping
  // any whose key `rpc` already gave. What exporters write.
  void ForEachAttribute(
      absl::FunctionRef<void(absl::string_view key, AttributeValueView value)>
          f) const;

  // ForEachRpcAttribute calls f(key, value) with the attributes of `rpc`
  // only, in ForEachAttribute's order, `value` an absl::string_view or an
  // int64_t. Inline and typed, so that an exporter's `f` sees literal keys
  // (ASCII) and no variant: the OTLP encoder writes an RPC span's
  // attributes this way in about a third of the instructions.
  template <typename F>
  void ForEachRpcAttribute(F&& f) const {
    ForEachRpcNameAttribute(f);
    ForEachRpcCallAttribute(f);
  }
  // Its two halves: rpc.system, rpc.service and rpc.method, which follow
  // from `rpc.is_rpc` and `name` alone (an exporter may encode them once
  // per name), then the rest.
  template <typename F>
  void ForEachRpcNameAttribute(F&& f) const;
  template <typename F>
  void ForEachRpcCallAttribute(F&& f) const;

  // ForEachOtherAttribute calls `f` with the rest: `attributes`, skipping
  // any whose key ForEachRpcAttribute gives.
  void ForEachOtherAttribute(
      absl::FunctionRef<void(absl::string_view key, AttributeValueView value)>
          f) const;

  // FindAttribute returns the value of the attribute `key` as
  // ForEachAttribute shows it, or nullopt.
  std::optional<AttributeValue> FindAttribute(absl::string_view key) const;
};

template <typename F>
void SpanData::ForEachRpcNameAttribute(F&& f) const {
  if (rpc.is_rpc) {
    f(absl::string_view("rpc.system"), absl::string_view("grpc"));
    const size_t slash = name.rfind('/');
    if (slash != std::string::npos) {
      const absl::string_view full = name;
      f(absl::string_view("rpc.service"), full.substr(0, slash));
      f(absl::string_view("rpc.method"), full.substr(slash + 1));
    }
  }
}

template <typename F>
void SpanData::ForEachRpcCallAttribute(F&& f) const {
  if (!rpc.server_address.empty()) {
    f(absl::string_view("server.address"),
      absl::string_view(rpc.server_address));
    if (rpc.server_port >= 0)
      f(absl::string_view("server.port"), int64_t{rpc.server_port});
  }
  RpcAttributes::PeerAddress peer;
  if (!rpc.peer.empty() && rpc.ParsePeer(peer)) {
    f(absl::string_view("network.peer.address"), peer.address);
    if (peer.port >= 0) f(absl::string_view("network.peer.port"), peer.port);
    if (peer.unix_socket)
      f(absl::string_view("network.transport"), absl::string_view("unix"));
  }
  if (rpc.grpc_status_code >= 0)
    f(absl::string_view("rpc.grpc.status_code"), int64_t{rpc.grpc_status_code});
}

// ForEachAttribute calls `f` with each of `attributes` as a view (resource,
// event and link attributes).
void ForEachAttribute(
    const std::vector<Attribute>& attributes,
    absl::FunctionRef<void(absl::string_view key, AttributeValueView value)> f);

}  // namespace traceprop

#endif  // TRACEPROP_SPANS_SPAN_DATA_H_
