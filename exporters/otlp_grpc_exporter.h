// traceprop/exporters/otlp_grpc_exporter.h — spans to an OTLP/gRPC
// receiver (an OpenTelemetry Collector, Jaeger, Tempo: port 4317).
//
// OtlpGrpcExporter sends each batch as one
// opentelemetry.proto.collector.trace.v1.TraceService/Export call, bounded
// by a deadline, gzip-compressed when asked, retried with exponential
// backoff and jitter on the codes the OTLP specification calls retryable
// (honouring a RetryInfo delay the receiver sends). Its own calls are never
// traced. Give it to a BatchSpanProcessor:
//
//   traceprop::OtlpGrpcExporterOptions options;
//   options.endpoint = "http://collector:4317";   // http: plaintext
//   options.headers = {{"api-key", key}};         // never logged
//   options.resource = {{"service.name", std::string("relay")}};
//   auto exporter = std::make_unique<traceprop::OtlpGrpcExporter>(options);
//   auto stats = exporter->stats();               // readable any time
//
// Configuration from the OTEL_* environment variables: env_config.h.

#ifndef TRACEPROP_EXPORTERS_OTLP_GRPC_EXPORTER_H_
#define TRACEPROP_EXPORTERS_OTLP_GRPC_EXPORTER_H_

#include <grpcpp/channel.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "traceprop/spans/processor.h"
#include "traceprop/spans/span_data.h"

namespace traceprop {

// OtlpGrpcExporterOptions configures an OtlpGrpcExporter.
struct OtlpGrpcExporterOptions {
  // endpoint: "http://host:port" (plaintext), "https://host:port" (TLS), or
  // "host:port" (TLS unless `insecure`). Any gRPC target works after the
  // scheme is removed. A path after host:port is ignored.
  std::string endpoint = "http://localhost:4317";
  bool insecure = false;           // plaintext for scheme-less endpoints
  std::string root_certificates;   // PEM; empty: the system's roots
  // Mutual TLS: the client's private key and certificate chain (PEM), sent
  // when the receiver asks for one. Used only when both are set.
  std::string client_key;
  std::string client_certificate;
  // headers: sent with every export (keys lower-cased). Values are never
  // logged. Entries with an invalid key or value are dropped.
  std::vector<std::pair<std::string, std::string>> headers;
  absl::Duration timeout = absl::Seconds(10);  // per export, retries included
  // gzip: off by default, as in OpenTelemetry's SDKs. It cuts the bytes
  // sent ~5x and costs ~3.5 us of CPU per span (more than encoding it);
  // worth it when the collector is across a network that costs.
  bool gzip = false;
  // Retries: attempt n waits min(initial * multiplier^(n-1), max), times a
  // random factor in [0.5, 1.5), unless the receiver's RetryInfo says how
  // long; no retry would end after `timeout`.
  int max_attempts = 5;
  absl::Duration initial_backoff = absl::Seconds(1);
  absl::Duration max_backoff = absl::Seconds(5);
  double backoff_multiplier = 1.5;
  // resource: the Resource attributes of every batch (service.name, ...).
  std::vector<Attribute> resource;
  // channel: use this channel instead of creating one from `endpoint` (for
  // tests and in-process receivers). Must not carry tracing interceptors.
  std::shared_ptr<grpc::Channel> channel;
};

// OtlpExporterStats are cumulative counts. Thread-safe (relaxed atomics).
struct OtlpExporterStats {
  std::atomic<uint64_t> exported_spans{0};   // in successful exports
  std::atomic<uint64_t> failed_spans{0};     // in exports given up
  std::atomic<uint64_t> rejected_spans{0};   // partial_success.rejected_spans
  std::atomic<uint64_t> partial_successes{0};  // responses with partial_success
  std::atomic<uint64_t> attempts{0};         // Export RPCs made
  std::atomic<uint64_t> retries{0};          // of which retries
};

// OtlpGrpcExporter: see the file comment. Export and Shutdown are called by
// one thread at a time (the processor's); Cancel and Shutdown may also be
// called from another thread to interrupt an export: the RPC in flight is
// cancelled (grpc::ClientContext::TryCancel) and a backoff wait ends. Bad
// options never crash: an unusable endpoint makes every export fail
// (counted).
class OtlpGrpcExporter final : public SpanExporter {
 public:
  explicit OtlpGrpcExporter(OtlpGrpcExporterOptions options);
  ~OtlpGrpcExporter() override;

  ExportResult Export(
      const std::vector<std::unique_ptr<SpanData>>& batch) override;
  // Shutdown and Cancel interrupt an export in flight (its RPC and its
  // backoff wait); that export and every later one fail (counted in
  // failed_spans). Thread-safe, idempotent.
  void Shutdown() override;
  void Cancel() override;

  // stats are shared: readable after the processor destroyed the exporter.
  std::shared_ptr<const OtlpExporterStats> stats() const { return stats_; }

  // GrpcTarget returns the gRPC target of an endpoint and whether it is
  // plaintext (for tests and env_config.h).
  static std::pair<std::string, bool> GrpcTarget(const std::string& endpoint,
                                                 bool insecure);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::shared_ptr<OtlpExporterStats> stats_;
};

}  // namespace traceprop

#endif  // TRACEPROP_EXPORTERS_OTLP_GRPC_EXPORTER_H_
