// The README's "Spans and export" snippet, compiled with -Werror and run
// with OTEL_TRACES_EXPORTER=console: the span must appear on stdout as an
// OTLP/JSON line.
#include <cstdint>

#include "absl/time/time.h"
#include "traceprop/exporters/env_config.h"
#include "traceprop/spans/span.h"

int main() {
  // [START spans_export]
  // OTEL_EXPORTER_OTLP_ENDPOINT=http://collector:4317, OTEL_SERVICE_NAME, ...
  auto tracing = traceprop::InstallTracingFromEnv(/*default_service_name=*/"relay");
  {
    traceprop::Span span("resize-image");  // current while in scope
    span->SetAttribute("image.bytes", int64_t{4096});
    // RPCs made here are its children
  }
  if (tracing) tracing->Shutdown(absl::Seconds(5));  // flush before exit
  // [END spans_export]
  return 0;
}
