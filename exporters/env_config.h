// traceprop/exporters/env_config.h — tracing configured by the standard
// OpenTelemetry environment variables, or the same settings from code.
//
// TracingConfigFromEnv reads what every OpenTelemetry SDK reads:
// OTEL_SDK_DISABLED, OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES,
// OTEL_TRACES_EXPORTER (otlp | console | none), OTEL_EXPORTER_OTLP_[TRACES_]
// {ENDPOINT, HEADERS, TIMEOUT, COMPRESSION, INSECURE, CERTIFICATE,
// CLIENT_KEY, CLIENT_CERTIFICATE (PEM file paths; a file that cannot be read
// is reported and left out, and a client key needs its certificate),
// PROTOCOL (grpc only: http/protobuf and http/json are reported and gRPC
// used)}, OTEL_TRACES_SAMPLER
// and _ARG, OTEL_BSP_{SCHEDULE_DELAY, EXPORT_TIMEOUT, MAX_QUEUE_SIZE,
// MAX_EXPORT_BATCH_SIZE}, and the span limits
// OTEL_[SPAN_]ATTRIBUTE_COUNT_LIMIT, OTEL_[SPAN_]ATTRIBUTE_VALUE_LENGTH_LIMIT
// (the SPAN_ one wins), OTEL_SPAN_{EVENT,LINK}_COUNT_LIMIT and
// OTEL_{EVENT,LINK}_ATTRIBUTE_COUNT_LIMIT (integers >= 0). A bad value is
// reported once per process on stderr ("traceprop: OTEL_BSP_MAX_QUEUE_SIZE=abc:
// not a positive integer; using 2048") and the default used; header values are
// never printed. One traceprop variable: TRACEPROP_OTLP_JSON_FILE=PATH makes
// the console exporter append its OTLP/JSON lines to PATH instead of stdout,
// and, when OTEL_TRACES_EXPORTER is unset, selects the console exporter.
//
//   int main(int argc, char** argv) {
//     ...
//     std::shared_ptr<traceprop::TracerProvider> tracing =
//         traceprop::InstallTracingFromEnv(/*default_service_name=*/name);
//     ...                                          // serve
//     if (tracing) tracing->Shutdown(absl::Seconds(5));  // flush
//   }

#ifndef TRACEPROP_EXPORTERS_ENV_CONFIG_H_
#define TRACEPROP_EXPORTERS_ENV_CONFIG_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "traceprop/exporters/otlp_grpc_exporter.h"
#include "traceprop/exporters/otlp_json_exporter.h"
#include "traceprop/spans/processor.h"
#include "traceprop/spans/provider.h"
#include "traceprop/spans/sampler.h"

namespace traceprop {

// TracingConfig is everything the variables set; fill or change it in code
// and pass it to MakeTracerProvider.
struct TracingConfig {
  enum class Exporter { kOtlp, kConsole, kNone };

  bool disabled = false;                 // OTEL_SDK_DISABLED=true
  std::vector<Attribute> resource;       // service.name first, telemetry.sdk.*
  Exporter exporter = Exporter::kOtlp;   // OTEL_TRACES_EXPORTER
  OtlpGrpcExporterOptions otlp;          // OTEL_EXPORTER_OTLP_*
  OtlpJsonExporterOptions console;       // kConsole: JSON lines to stdout
                                         // (or TRACEPROP_OTLP_JSON_FILE)
  std::shared_ptr<const Sampler> sampler;  // OTEL_TRACES_SAMPLER[_ARG]
  BatchSpanProcessorOptions bsp;         // OTEL_BSP_*
  SpanLimits span_limits;                // OTEL_*_LIMIT
  // problems: one line per bad value found (also what was printed).
  std::vector<std::string> problems;
};

// EnvGetter returns a variable's value or nullptr (std::getenv's contract).
using EnvGetter = std::function<const char*(const char* name)>;

// TracingConfigFromEnv reads the variables through `getenv` (default:
// std::getenv). service.name is OTEL_SERVICE_NAME, else service.name in
// OTEL_RESOURCE_ATTRIBUTES, else `default_service_name`, else
// "unknown_service:" and the executable's name (the resource conventions'
// fallback; "unknown_service" when /proc/self/exe cannot be read). Each
// distinct bad variable is printed once per process; all are listed in
// `problems`. Thread-safe; never fails.
TracingConfig TracingConfigFromEnv(const std::string& default_service_name = "",
                                   const EnvGetter& getenv = nullptr);

// MakeTracerProvider builds the provider `config` describes: a
// BatchSpanProcessor over the chosen exporter (kNone: no processor, so
// sampling decisions without recording). Null when `config.disabled`.
std::shared_ptr<TracerProvider> MakeTracerProvider(TracingConfig config);

// InstallTracingFromEnv = MakeTracerProvider(TracingConfigFromEnv(...)),
// installed (InstallTracerProvider) when not disabled. Returns it so the
// caller can Shutdown (flush) before exiting; null when disabled.
std::shared_ptr<TracerProvider> InstallTracingFromEnv(
    const std::string& default_service_name = "");

}  // namespace traceprop

#endif  // TRACEPROP_EXPORTERS_ENV_CONFIG_H_
