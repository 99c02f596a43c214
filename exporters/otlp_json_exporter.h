// traceprop/exporters/otlp_json_exporter.h — spans as OTLP/JSON lines, to
// a file or stdout.
//
// Each Export writes one line: a TracesData object in the OTLP/JSON
// encoding (lowerCamelCase field names, trace and span ids as lowercase
// hex, enums as integers, 64-bit integers as decimal strings), which the
// OpenTelemetry Collector's `otlpjsonfile` receiver reads and `jq` slices.
// The embedded default for local use and the demo:
//
//   traceprop::OtlpJsonExporterOptions options;
//   options.path = "/tmp/spans.jsonl";            // "" or "-": stdout
//   options.resource = {{"service.name", std::string("relay")}};
//   auto exporter = std::make_unique<traceprop::OtlpJsonExporter>(options);

#ifndef TRACEPROP_EXPORTERS_OTLP_JSON_EXPORTER_H_
#define TRACEPROP_EXPORTERS_OTLP_JSON_EXPORTER_H_

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "traceprop/spans/processor.h"
#include "traceprop/spans/span_data.h"

namespace traceprop {

// OtlpJsonExporterOptions configures an OtlpJsonExporter.
struct OtlpJsonExporterOptions {
  std::string path;  // appended to; "" or "-" is stdout
  std::vector<Attribute> resource;
};

// OtlpJsonExporter writes one JSON line per batch and flushes it. Called
// by one thread at a time (the processor's). A file that cannot be opened
// is reported once on stderr and every export fails (counted by the
// processor); it never crashes.
class OtlpJsonExporter final : public SpanExporter {
 public:
  explicit OtlpJsonExporter(OtlpJsonExporterOptions options);
  ~OtlpJsonExporter() override;

  ExportResult Export(
      const std::vector<std::unique_ptr<SpanData>>& batch) override;
  void Shutdown() override;

  // ToJsonLine returns the line Export writes for `batch` (without the
  // newline). Thread-safe.
  static std::string ToJsonLine(
      const std::vector<std::unique_ptr<SpanData>>& batch,
      const std::vector<Attribute>& resource);

 private:
  const OtlpJsonExporterOptions options_;
  std::FILE* file_ = nullptr;  // stdout or ours
  bool owns_file_ = false;
};

}  // namespace traceprop

#endif  // TRACEPROP_EXPORTERS_OTLP_JSON_EXPORTER_H_
