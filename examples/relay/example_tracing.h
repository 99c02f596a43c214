// examples/relay/example_tracing.h — span export for the example programs
// (not part of the library): InstallTracingFromEnv when the environment
// asks for it, and a flush bounded by the shutdown grace period (an export
// still in flight at the deadline is cancelled: a collector that is down or
// silent cannot hold up the exit).
//
//   auto tracing = traceprop_examples::InstallTracing(name);  // first thing
//   ...                                        // serve; SIGTERM; Shutdown
//   traceprop_examples::FlushTracing(tracing, grace_deadline);  // last
//
// Which variables turn it on, and why only those: see InstallTracing.

#ifndef TRACEPROP_EXAMPLES_RELAY_EXAMPLE_TRACING_H_
#define TRACEPROP_EXAMPLES_RELAY_EXAMPLE_TRACING_H_

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <string>
#include <utility>

#include "absl/time/time.h"
#include "traceprop/exporters/env_config.h"
#include "traceprop/spans/provider.h"

namespace traceprop_examples {

// InstallTracing installs span recording and export for this process,
// named `name` (service.name, unless OTEL_SERVICE_NAME says otherwise), as
// traceprop::InstallTracingFromEnv configures it — but only when one of
// OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT,
// OTEL_TRACES_EXPORTER or TRACEPROP_OTLP_JSON_FILE is set. With none set the
// SDK default would export over OTLP to localhost:4317, which for an example
// run without a collector means a thread retrying a dead port; instead
// nothing is installed and the program propagates exactly as before (one
// atomic load per call). OTEL_SDK_DISABLED=true also installs nothing.
//
// Returns the provider to flush at exit, or null.
inline std::shared_ptr<traceprop::TracerProvider> InstallTracing(
    const std::string& name) {
  auto set = [](const char* var) {
    const char* v = std::getenv(var);
    return v != nullptr && *v != '\0';
  };
  if (!set("OTEL_EXPORTER_OTLP_ENDPOINT") &&
      !set("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") &&
      !set("OTEL_TRACES_EXPORTER") && !set("TRACEPROP_OTLP_JSON_FILE")) {
    return nullptr;
  }
  return traceprop::InstallTracingFromEnv(name);
}

// FlushTracing exports what is still queued and stops the provider. It
// lets the queue drain until `deadline` (the end of the shutdown grace
// period) but at least for `floor`, so that the spans of the last calls get
// a chance even when in-flight calls used the whole grace period; at the
// deadline the export in flight is cancelled and what is still queued is
// dropped (BatchSpanProcessor::Shutdown), so an unreachable or silent
// collector cannot hold up the exit. Call it after the server has shut
// down: the last calls' spans end when their calls end. No-op for a null
// provider.
inline void FlushTracing(
    const std::shared_ptr<traceprop::TracerProvider>& tracing,
    std::chrono::system_clock::time_point deadline,
    std::chrono::milliseconds floor = std::chrono::milliseconds(200)) {
  if (!tracing) return;
  const auto left = std::max<std::chrono::system_clock::duration>(
      deadline - std::chrono::system_clock::now(), floor);
  tracing->Shutdown(absl::FromChrono(left));
}

// FlushAtExit flushes `tracing` (within `budget`) when the scope ends: for
// a client's main(), declared before its spans, so that on every return
// path the spans have ended when it flushes.
class FlushAtExit {
 public:
  explicit FlushAtExit(std::shared_ptr<traceprop::TracerProvider> tracing,
                       std::chrono::milliseconds budget =
                           std::chrono::milliseconds(2000))
      : tracing_(std::move(tracing)), budget_(budget) {}
  FlushAtExit(const FlushAtExit&) = delete;
  FlushAtExit& operator=(const FlushAtExit&) = delete;
  ~FlushAtExit() {
    FlushTracing(tracing_, std::chrono::system_clock::now() + budget_);
  }

 private:
  const std::shared_ptr<traceprop::TracerProvider> tracing_;
  const std::chrono::milliseconds budget_;
};

}  // namespace traceprop_examples

#endif  // TRACEPROP_EXAMPLES_RELAY_EXAMPLE_TRACING_H_
