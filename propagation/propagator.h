// traceprop/propagation/propagator.h — pluggable propagation formats.
//
// A Propagator reads a trace context (and baggage) from the metadata of an
// incoming call and writes one into an outgoing call. traceprop ships W3C
// Trace Context (the default), W3C Baggage, B3 (single and multi header)
// and grpc-trace-bin, and a composite that speaks several at once:
//
//   std::string warnings;
//   std::unique_ptr<traceprop::Propagator> p =
//       traceprop::PropagatorsFromNames("tracecontext,baggage,b3", &warnings);
//   traceprop::Extracted in;
//   p->Extract(incoming_metadata, &in);     // first valid trace format wins
//   p->Inject(in.context.Child(), in.baggage, &outgoing_metadata);  // all
//
// Names are those of the OTEL_PROPAGATORS environment variable, as every
// OpenTelemetry SDK reads it: tracecontext, baggage, b3 (single header),
// b3multi, none; plus grpc-trace-bin for OpenCensus-era services.
// Design notes: docs/DESIGN.md ("Propagation formats").

#ifndef TRACEPROP_PROPAGATION_PROPAGATOR_H_
#define TRACEPROP_PROPAGATION_PROPAGATOR_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "traceprop/context/baggage.h"
#include "traceprop/context/trace_context.h"

namespace traceprop {

// Carrier is the metadata of one call as propagators see it: lowercase
// keys, each with zero or more values in order. Binary keys (ending in
// "-bin") carry raw bytes. Implementations wrap gRPC's metadata maps (see
// interceptors/) or anything else; they need not be thread-safe.
class Carrier {
 public:
  virtual ~Carrier() = default;
  // Get returns every value of `key`, in order; empty when absent. The
  // views stay valid until the carrier changes.
  virtual std::vector<absl::string_view> Get(absl::string_view key) const = 0;
  // Set adds one `value` under `key` (after any existing ones).
  virtual void Set(absl::string_view key, std::string value) = 0;
};

// Extracted is what the propagators found in an incoming call.
struct Extracted {
  // context: the caller's span (is_remote()), invalid when no configured
  // trace format found a valid one (then start a new trace).
  TraceContext context;
  // format: the name of the propagator whose context was taken ("" none).
  std::string format;
  // sampled: a sampling decision sent without ids (B3's `b3: 0`), to be
  // honoured by the new trace; nullopt otherwise.
  std::optional<bool> sampled;
  // baggage: members read by a baggage propagator (empty otherwise).
  Baggage baggage;
  // invalid: how many configured formats were present but malformed.
  int invalid = 0;
};

// Propagator is one format. Implementations are immutable and thread-safe.
class Propagator {
 public:
  virtual ~Propagator() = default;

  // name is the OTEL_PROPAGATORS name ("tracecontext", "b3", ...).
  virtual absl::string_view name() const = 0;

  // Extract reads this format from `carrier` into `out`. A trace format
  // sets out->context (and out->format) only when out->context is still
  // invalid and it finds a valid context, so with several formats the
  // first valid one wins and a later malformed one can never replace it.
  // Malformed input is never an error: it is counted in out->invalid and
  // otherwise ignored (the W3C processing model: restart the trace).
  virtual void Extract(const Carrier& carrier, Extracted* out) const = 0;

  // Inject writes this format for `context` (the span the callee should
  // continue from; nothing when invalid) and `baggage` into `carrier`.
  virtual void Inject(const TraceContext& context, const Baggage& baggage,
                      Carrier* carrier) const = 0;

  // Fields are the metadata keys this format reads and writes, so that a
  // caller can remove stale values before Inject.
  virtual std::vector<std::string> Fields() const = 0;
};

// The formats. Each documents its handling of malformed input in its codec
// header (context/traceparent.h, context/tracestate.h, context/baggage.h,
// propagation/b3.h, propagation/grpc_trace_bin.h).
//
// W3CTraceContextPropagator: `traceparent` (exactly one value, else
// invalid) and `tracestate` (dropped alone when invalid).
std::unique_ptr<Propagator> W3CTraceContextPropagator();
// W3CBaggagePropagator: every `baggage` value; writes one `baggage` value.
std::unique_ptr<Propagator> W3CBaggagePropagator();
// B3Propagator ("b3"): reads the single `b3` header, else the `x-b3-*`
// headers; writes the single header.
std::unique_ptr<Propagator> B3Propagator();
// B3MultiPropagator ("b3multi"): reads like B3Propagator; writes the
// `x-b3-*` headers.
std::unique_ptr<Propagator> B3MultiPropagator();
// GrpcTraceBinPropagator ("grpc-trace-bin"): the binary `grpc-trace-bin`
// value (exactly one, else invalid).
std::unique_ptr<Propagator> GrpcTraceBinPropagator();

// CompositePropagator runs several formats: Extract asks each in the order
// given (first valid trace context wins, every baggage format adds its
// members), Inject writes every one.
class CompositePropagator final : public Propagator {
 public:
  explicit CompositePropagator(
      std::vector<std::unique_ptr<Propagator>> propagators);
  absl::string_view name() const override { return name_; }
  void Extract(const Carrier& carrier, Extracted* out) const override;
  void Inject(const TraceContext& context, const Baggage& baggage,
              Carrier* carrier) const override;
  std::vector<std::string> Fields() const override;

 private:
  std::vector<std::unique_ptr<Propagator>> propagators_;
  std::string name_;  // the names, comma-joined
};

// PropagatorsFromNames builds the composite for a comma-separated list of
// names as OTEL_PROPAGATORS spells it (case-insensitive, spaces ignored,
// duplicates once). Unknown names are skipped and described in `*warnings`
// (when given); "none" gives a composite that does nothing (and wins over
// any other name, with a warning); a list without any known name (empty,
// unset, or only unknown names) gives the default, "tracecontext,baggage".
std::unique_ptr<CompositePropagator> PropagatorsFromNames(
    absl::string_view names, std::string* warnings = nullptr);

// PropagatorsFromEnv is PropagatorsFromNames(getenv("OTEL_PROPAGATORS")).
std::unique_ptr<CompositePropagator> PropagatorsFromEnv(
    std::string* warnings = nullptr);

}  // namespace traceprop

#endif  // TRACEPROP_PROPAGATION_PROPAGATOR_H_
