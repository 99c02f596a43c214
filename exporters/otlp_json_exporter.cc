#include "traceprop/exporters/otlp_json_exporter.h"

#include <cerrno>
#include <cmath>
#include <cstring>
#include <variant>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "traceprop/version.h"
#include "traceprop/exporters/internal/otlp_proto.h"

namespace traceprop {
namespace {

// AppendString appends `s` as a JSON string. Bytes that are not valid
// UTF-8 are written as the code points of the same value (Latin-1), so the
// line is always valid JSON.
void AppendString(std::string& out, absl::string_view s) {
  out += '"';
  for (size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    switch (c) {
      case '"': out += "\\\""; continue;
      case '\\': out += "\\\\"; continue;
      case '\n': out += "\\n"; continue;
      case '\r': out += "\\r"; continue;
      case '\t': out += "\\t"; continue;
      default: break;
    }
    if (c < 0x20 || c == 0x7f) {
      absl::StrAppendFormat(&out, "\\u%04x", c);
    } else if (c < 0x80) {
      out += static_cast<char>(c);
    } else if (size_t n = internal::Utf8Length(s, i)) {
      out.append(s.data() + i, n);
      i += n - 1;
    } else {
      absl::StrAppendFormat(&out, "\\u%04x", c);
    }
  }
  out += '"';
}

void AppendValue(std::string& out, AttributeValueView v) {
  if (const bool* b = std::get_if<bool>(&v)) {
    absl::StrAppend(&out, "{\"boolValue\":", *b ? "true" : "false", "}");
  } else if (const int64_t* i = std::get_if<int64_t>(&v)) {
    absl::StrAppend(&out, "{\"intValue\":\"", *i, "\"}");
  } else if (const double* d = std::get_if<double>(&v)) {
    out += "{\"doubleValue\":";
    if (std::isnan(*d)) {
      out += "\"NaN\"";
    } else if (std::isinf(*d)) {
      out += *d > 0 ? "\"Infinity\"" : "\"-Infinity\"";
    } else {
      absl::StrAppendFormat(&out, "%.17g", *d);
    }
    out += "}";
  } else {
    out += "{\"stringValue\":";
    AppendString(out, std::get<absl::string_view>(v));
    out += "}";
  }
}

// AppendAttributes appends the JSON array of what `for_each` visits.
template <typename ForEach>
void AppendAttributes(std::string& out, ForEach for_each) {
  out += "[";
  bool first = true;
  for_each([&](absl::string_view key, AttributeValueView value) {
    if (!first) out += ",";
    first = false;
    out += "{\"key\":";
    AppendString(out, key);
    out += ",\"value\":";
    AppendValue(out, value);
    out += "}";
  });
  out += "]";
}

void AppendAttributes(std::string& out, const std::vector<Attribute>& attrs) {
  AppendAttributes(out, [&](auto f) { ForEachAttribute(attrs, f); });
}

}  // namespace

std::string OtlpJsonExporter::ToJsonLine(
    const std::vector<std::unique_ptr<SpanData>>& batch,
    const std::vector<Attribute>& resource) {
  std::string out = "{\"resourceSpans\":[{\"resource\":{\"attributes\":";
  AppendAttributes(out, resource);
  absl::StrAppend(&out, "},\"scopeSpans\":[{\"scope\":{\"name\":\"",
                  internal::kScopeName, "\",\"version\":\"",
                  TRACEPROP_VERSION_STRING, "\"},\"spans\":[");
  for (size_t i = 0; i < batch.size(); ++i) {
    const SpanData& s = *batch[i];
    if (i) out += ",";
    absl::StrAppend(&out, "{\"traceId\":\"", s.trace_id.ToHex(),
                    "\",\"spanId\":\"", s.span_id.ToHex(), "\"");
    if (!s.trace_state.empty()) {
      out += ",\"traceState\":";
      AppendString(out, s.trace_state);
    }
    if (s.parent_span_id.IsValid())
      absl::StrAppend(&out, ",\"parentSpanId\":\"", s.parent_span_id.ToHex(),
                      "\"");
    absl::StrAppend(&out, ",\"flags\":", internal::OtlpSpanFlags(s),
                    ",\"name\":");
    AppendString(out, s.name);
    absl::StrAppend(&out, ",\"kind\":", static_cast<int>(s.kind),
                    ",\"startTimeUnixNano\":\"", s.start_unix_nano,
                    "\",\"endTimeUnixNano\":\"", s.end_unix_nano,
                    "\",\"attributes\":");
    AppendAttributes(out, [&](auto f) { s.ForEachAttribute(f); });
    if (s.dropped_attributes)
      absl::StrAppend(&out,
                      ",\"droppedAttributesCount\":", s.dropped_attributes);
    if (!s.events.empty()) {
      out += ",\"events\":[";
      for (size_t e = 0; e < s.events.size(); ++e) {
        if (e) out += ",";
        absl::StrAppend(&out, "{\"timeUnixNano\":\"",
                        s.events[e].time_unix_nano, "\",\"name\":");
        AppendString(out, s.events[e].name);
        out += ",\"attributes\":";
        AppendAttributes(out, s.events[e].attributes);
        if (s.events[e].dropped_attributes)
          absl::StrAppend(&out, ",\"droppedAttributesCount\":",
                          s.events[e].dropped_attributes);
        out += "}";
      }
      out += "]";
    }
    if (s.dropped_events)
      absl::StrAppend(&out, ",\"droppedEventsCount\":", s.dropped_events);
    if (!s.links.empty()) {
      out += ",\"links\":[";
      for (size_t l = 0; l < s.links.size(); ++l) {
        const TraceContext& c = s.links[l].context;
        if (l) out += ",";
        absl::StrAppend(&out, "{\"traceId\":\"", c.trace_id().ToHex(),
                        "\",\"spanId\":\"", c.span_id().ToHex(), "\"");
        if (!c.trace_state().empty()) {
          out += ",\"traceState\":";
          AppendString(out, c.trace_state().ToHeader());
        }
        out += ",\"attributes\":";
        AppendAttributes(out, s.links[l].attributes);
        if (s.links[l].dropped_attributes)
          absl::StrAppend(&out, ",\"droppedAttributesCount\":",
                          s.links[l].dropped_attributes);
        absl::StrAppend(&out, ",\"flags\":", internal::OtlpLinkFlags(c), "}");
      }
      out += "]";
    }
    if (s.dropped_links)
      absl::StrAppend(&out, ",\"droppedLinksCount\":", s.dropped_links);
    out += ",\"status\":{";
    if (s.status != StatusCode::kUnset) {
      if (!s.status_message.empty()) {
        out += "\"message\":";
        AppendString(out, s.status_message);
        out += ",";
      }
      absl::StrAppend(&out, "\"code\":", static_cast<int>(s.status));
    }
    out += "}}";
  }
  out += "]}]}]}";
  return out;
}

OtlpJsonExporter::OtlpJsonExporter(OtlpJsonExporterOptions options)
    : options_(std::move(options)) {
  if (options_.path.empty() || options_.path == "-") {
    file_ = stdout;
    return;
  }
  file_ = std::fopen(options_.path.c_str(), "a");
  if (file_ == nullptr) {
    std::fprintf(stderr,
                 "traceprop: OTLP JSON exporter: cannot open %s: %s; spans "
                 "will not be written\n",
                 options_.path.c_str(), std::strerror(errno));
    return;
  }
  owns_file_ = true;
}

OtlpJsonExporter::~OtlpJsonExporter() { Shutdown(); }

ExportResult OtlpJsonExporter::Export(
    const std::vector<std::unique_ptr<SpanData>>& batch) {
  if (file_ == nullptr) return ExportResult::kFailure;
  std::string line = ToJsonLine(batch, options_.resource);
  line += '\n';
  if (std::fwrite(line.data(), 1, line.size(), file_) != line.size() ||
      std::fflush(file_) != 0) {
    return ExportResult::kFailure;
  }
  return ExportResult::kSuccess;
}

void OtlpJsonExporter::Shutdown() {
  if (file_ == nullptr) return;
  if (owns_file_) {
    std::fclose(file_);
  } else {
    std::fflush(file_);
  }
  file_ = nullptr;
}

}  // namespace traceprop
