#include "traceprop/exporters/env_config.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <mutex>
#include <optional>
#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "traceprop/version.h"

namespace traceprop {
namespace {

class Reader {
 public:
  Reader(const EnvGetter& getenv, std::vector<std::string>* problems)
      : getenv_(getenv), problems_(problems) {}

  // Get returns the trimmed value, or nullopt when unset or empty.
  std::optional<std::string> Get(const char* name) const {
    const char* v = getenv_ ? getenv_(name) : std::getenv(name);
    if (v == nullptr) return std::nullopt;
    std::string s(absl::StripAsciiWhitespace(v));
    if (s.empty()) return std::nullopt;
    return s;
  }

  // Bad records a problem; `shown` is what may be printed of the value.
  void Bad(const char* name, const std::string& shown, const std::string& why,
           const std::string& fallback) {
    std::string line = absl::StrCat(name, "=", shown, ": ", why);
    if (!fallback.empty()) absl::StrAppend(&line, "; using ", fallback);
    problems_->push_back(line);
    static std::mutex* mu = new std::mutex;
    static std::set<std::string>* reported = new std::set<std::string>;
    std::lock_guard<std::mutex> lock(*mu);
    if (reported->insert(line).second)
      std::fprintf(stderr, "traceprop: %s\n", line.c_str());
  }

  // Printable value for a message (network-safe, bounded).
  static std::string Show(const std::string& v) {
    std::string out;
    for (char c : v.substr(0, 100)) {
      out += (c >= 0x20 && c < 0x7f) ? c : '?';
    }
    if (v.size() > 100) out += "...";
    return out;
  }

  void Bool(const char* name, bool* out) {
    std::optional<std::string> v = Get(name);
    if (!v) return;
    std::string l = absl::AsciiStrToLower(*v);
    if (l == "true") {
      *out = true;
    } else if (l == "false") {
      *out = false;
    } else {
      Bad(name, Show(*v), "not true or false", *out ? "true" : "false");
    }
  }

  // Milliseconds, > 0.
  void Millis(const char* name, absl::Duration* out) {
    std::optional<std::string> v = Get(name);
    if (!v) return;
    int64_t ms;
    if (absl::SimpleAtoi(*v, &ms) && ms > 0 && ms <= int64_t{86400000}) {
      *out = absl::Milliseconds(ms);
    } else {
      Bad(name, Show(*v), "not a positive number of milliseconds",
          absl::StrCat(absl::ToInt64Milliseconds(*out)));
    }
  }

  // A limit: an integer >= 0 (0 keeps none).
  void Limit(const char* name, size_t* out) {
    std::optional<std::string> v = Get(name);
    if (!v) return;
    int64_t n;
    if (absl::SimpleAtoi(*v, &n) && n >= 0 && n <= int64_t{0x7fffffff}) {
      *out = static_cast<size_t>(n);
    } else {
      Bad(name, Show(*v), "not an integer >= 0",
          *out == SpanLimits::kUnlimited ? "no limit" : absl::StrCat(*out));
    }
  }

  void Size(const char* name, size_t* out) {
    std::optional<std::string> v = Get(name);
    if (!v) return;
    int64_t n;
    if (absl::SimpleAtoi(*v, &n) && n > 0 && n <= int64_t{10000000}) {
      *out = static_cast<size_t>(n);
    } else {
      Bad(name, Show(*v), "not a positive integer", absl::StrCat(*out));
    }
  }

 private:
  const EnvGetter& getenv_;
  std::vector<std::string>* problems_;
};

// PercentDecode decodes %XX escapes; false on a malformed escape.
bool PercentDecode(absl::string_view in, std::string* out) {
  out->clear();
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      *out += in[i];
      continue;
    }
    if (i + 2 >= in.size()) return false;
    if (!absl::ascii_isxdigit(in[i + 1]) || !absl::ascii_isxdigit(in[i + 2]))
      return false;
    auto hex = [](char c) {
      return absl::ascii_isdigit(c) ? c - '0' : absl::ascii_tolower(c) - 'a' + 10;
    };
    *out += static_cast<char>(hex(in[i + 1]) * 16 + hex(in[i + 2]));
    i += 2;
  }
  return true;
}

// ParseList parses "k=v,k2=v2" (W3C baggage-like, percent-encoded values).
// Malformed entries are skipped; their 1-based positions go to `bad`.
std::vector<std::pair<std::string, std::string>> ParseList(
    absl::string_view list, std::vector<int>* bad) {
  std::vector<std::pair<std::string, std::string>> out;
  int index = 0;
  for (absl::string_view entry : absl::StrSplit(list, ',')) {
    ++index;
    entry = absl::StripAsciiWhitespace(entry);
    if (entry.empty()) continue;
    size_t eq = entry.find('=');
    std::string key, value;
    if (eq == absl::string_view::npos || eq == 0 ||
        !PercentDecode(absl::StripAsciiWhitespace(entry.substr(0, eq)), &key) ||
        key.empty() ||
        !PercentDecode(absl::StripAsciiWhitespace(entry.substr(eq + 1)),
                       &value)) {
      bad->push_back(index);
      continue;
    }
    out.emplace_back(std::move(key), std::move(value));
  }
  return out;
}

// ReadPem reads a PEM file of at most 1 MiB; false when it cannot be read,
// is larger, or holds no PEM block.
bool ReadPem(const std::string& path, std::string* out) {
  constexpr size_t kMaxPemSize = size_t{1} << 20;
  std::ifstream f(path, std::ios::binary);
  if (!f) return false;
  std::string text;
  char buf[4096];
  while (f.read(buf, sizeof(buf)) || f.gcount() > 0) {
    text.append(buf, static_cast<size_t>(f.gcount()));
    if (text.size() > kMaxPemSize) return false;
  }
  if (f.bad() || !absl::StrContains(text, "-----BEGIN ")) return false;
  *out = std::move(text);
  return true;
}

// ExecutableName is process.executable.name: the base name of
// /proc/self/exe's target, or "" when it cannot be read.
std::string ExecutableName() {
  char path[4096];
  const ssize_t n = readlink("/proc/self/exe", path, sizeof(path));
  if (n <= 0 || static_cast<size_t>(n) == sizeof(path)) return "";
  absl::string_view name(path, static_cast<size_t>(n));
  absl::ConsumeSuffix(&name, " (deleted)");  // the file was replaced
  return std::string(name.substr(name.rfind('/') + 1));
}

std::string Positions(const std::vector<int>& bad) {
  return absl::StrJoin(bad, ",");
}

}  // namespace

TracingConfig TracingConfigFromEnv(const std::string& default_service_name,
                                   const EnvGetter& getenv) {
  TracingConfig c;
  Reader r(getenv, &c.problems);

  r.Bool("OTEL_SDK_DISABLED", &c.disabled);

  // Resource.
  std::string service_name;
  std::vector<Attribute> extra;
  if (std::optional<std::string> v = r.Get("OTEL_RESOURCE_ATTRIBUTES")) {
    std::vector<int> bad;
    for (auto& [k, val] : ParseList(*v, &bad)) {
      if (k == "service.name") {
        service_name = val;
      } else {
        extra.push_back(Attribute{k, val});
      }
    }
    if (!bad.empty())
      r.Bad("OTEL_RESOURCE_ATTRIBUTES", "(entries " + Positions(bad) + ")",
            "malformed key=value entries skipped", "");
  }
  if (std::optional<std::string> v = r.Get("OTEL_SERVICE_NAME"))
    service_name = *v;
  if (service_name.empty()) service_name = default_service_name;
  if (service_name.empty()) {
    // The resource conventions' fallback, as every OpenTelemetry SDK's.
    const std::string executable = ExecutableName();
    service_name = executable.empty() ? std::string("unknown_service")
                                      : "unknown_service:" + executable;
  }
  c.resource.push_back(Attribute{"service.name", service_name});
  c.resource.push_back(Attribute{"telemetry.sdk.name", std::string("traceprop")});
  c.resource.push_back(Attribute{"telemetry.sdk.language", std::string("cpp")});
  c.resource.push_back(
      Attribute{"telemetry.sdk.version", std::string(TRACEPROP_VERSION_STRING)});
  for (Attribute& a : extra) c.resource.push_back(std::move(a));

  // Exporter.
  if (std::optional<std::string> v = r.Get("OTEL_TRACES_EXPORTER")) {
    std::string l = absl::AsciiStrToLower(*v);
    if (l == "otlp") {
      c.exporter = TracingConfig::Exporter::kOtlp;
    } else if (l == "console") {
      c.exporter = TracingConfig::Exporter::kConsole;
    } else if (l == "none") {
      c.exporter = TracingConfig::Exporter::kNone;
    } else {
      r.Bad("OTEL_TRACES_EXPORTER", Reader::Show(*v),
            "not one of otlp, console, none", "otlp");
    }
  }

  // traceprop's own: the console exporter's lines to a file, not stdout
  // (programs whose stdout carries their output or logs). Alone, it also
  // selects the console exporter; an explicit OTEL_TRACES_EXPORTER wins.
  if (std::optional<std::string> v = r.Get("TRACEPROP_OTLP_JSON_FILE")) {
    c.console.path = *v;
    if (!r.Get("OTEL_TRACES_EXPORTER"))
      c.exporter = TracingConfig::Exporter::kConsole;
  }

  // OTLP: the TRACES_ variable wins over the general one.
  auto both = [&](const char* traces, const char* general) {
    return r.Get(traces) ? traces : general;
  };
  if (const char* name = both("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
                              "OTEL_EXPORTER_OTLP_ENDPOINT");
      std::optional<std::string> v = r.Get(name)) {
    auto [target, plaintext] = OtlpGrpcExporter::GrpcTarget(*v, false);
    if (target.empty()) {
      r.Bad(name, Reader::Show(*v), "no host:port", c.otlp.endpoint);
    } else {
      c.otlp.endpoint = *v;
    }
  }
  r.Bool(both("OTEL_EXPORTER_OTLP_TRACES_INSECURE", "OTEL_EXPORTER_OTLP_INSECURE"),
         &c.otlp.insecure);
  if (const char* name = both("OTEL_EXPORTER_OTLP_TRACES_HEADERS",
                              "OTEL_EXPORTER_OTLP_HEADERS");
      std::optional<std::string> v = r.Get(name)) {
    std::vector<int> bad;
    c.otlp.headers = ParseList(*v, &bad);
    if (!bad.empty())
      r.Bad(name, "(entries " + Positions(bad) + ", values not shown)",
            "malformed key=value entries skipped", "");
  }
  r.Millis(both("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "OTEL_EXPORTER_OTLP_TIMEOUT"),
           &c.otlp.timeout);
  if (const char* name = both("OTEL_EXPORTER_OTLP_TRACES_COMPRESSION",
                              "OTEL_EXPORTER_OTLP_COMPRESSION");
      std::optional<std::string> v = r.Get(name)) {
    std::string l = absl::AsciiStrToLower(*v);
    if (l == "gzip") {
      c.otlp.gzip = true;
    } else if (l == "none") {
      c.otlp.gzip = false;
    } else {
      r.Bad(name, Reader::Show(*v), "not gzip or none", "none");
    }
  }
  // TLS: PEM files named by path. A file that cannot be used is reported
  // (its path, never its content) and left out.
  auto pem = [&](const char* traces, const char* general, std::string* out,
                 const char* fallback) {
    const char* name = both(traces, general);
    std::optional<std::string> path = r.Get(name);
    if (path && !ReadPem(*path, out))
      r.Bad(name, Reader::Show(*path),
            "not a readable PEM file of at most 1 MiB", fallback);
  };
  pem("OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE", "OTEL_EXPORTER_OTLP_CERTIFICATE",
      &c.otlp.root_certificates, "the system's root certificates");
  pem("OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY", "OTEL_EXPORTER_OTLP_CLIENT_KEY",
      &c.otlp.client_key, "no client certificate");
  pem("OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE",
      "OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE", &c.otlp.client_certificate,
      "no client certificate");
  if (c.otlp.client_key.empty() != c.otlp.client_certificate.empty()) {
    const std::string have = c.otlp.client_key.empty()
                                 ? "OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE"
                                 : "OTEL_EXPORTER_OTLP_CLIENT_KEY";
    r.Bad(have.c_str(), "(a file)",
          "a client key and a client certificate go together, and only one "
          "was usable",
          "no client certificate");
    c.otlp.client_key.clear();
    c.otlp.client_certificate.clear();
  }

  // Only OTLP over gRPC is spoken. The OTLP/HTTP protocols are reported, not
  // ignored: a collector's OTLP/HTTP port (4318) does not answer gRPC.
  if (const char* name = both("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",
                              "OTEL_EXPORTER_OTLP_PROTOCOL");
      std::optional<std::string> v = r.Get(name)) {
    if (*v == "http/protobuf" || *v == "http/json") {
      r.Bad(name, *v,
            "not supported: traceprop exports OTLP over gRPC only (a "
            "collector's OTLP/gRPC port is 4317, its OTLP/HTTP one 4318)",
            "grpc");
    } else if (*v != "grpc") {
      r.Bad(name, Reader::Show(*v), "not grpc, http/protobuf or http/json",
            "grpc");
    }
  }
  c.otlp.resource = c.resource;
  c.console.resource = c.resource;

  // Sampler.
  std::string sampler = "parentbased_always_on";
  if (std::optional<std::string> v = r.Get("OTEL_TRACES_SAMPLER")) {
    std::string l = absl::AsciiStrToLower(*v);
    if (l == "always_on" || l == "always_off" || l == "traceidratio" ||
        l == "parentbased_always_on" || l == "parentbased_always_off" ||
        l == "parentbased_traceidratio") {
      sampler = l;
    } else {
      r.Bad("OTEL_TRACES_SAMPLER", Reader::Show(*v),
            "not a known sampler", sampler);
    }
  }
  double ratio = 1.0;
  if (std::optional<std::string> v = r.Get("OTEL_TRACES_SAMPLER_ARG")) {
    double d;
    if (absl::SimpleAtod(*v, &d) && d >= 0.0 && d <= 1.0) {
      ratio = d;
    } else if (absl::StrContains(sampler, "traceidratio")) {
      r.Bad("OTEL_TRACES_SAMPLER_ARG", Reader::Show(*v),
            "not a ratio in [0, 1]", "1.0");
    }
  }
  if (sampler == "always_on") {
    c.sampler = AlwaysOnSampler();
  } else if (sampler == "always_off") {
    c.sampler = AlwaysOffSampler();
  } else if (sampler == "traceidratio") {
    c.sampler = TraceIdRatioSampler(ratio);
  } else if (sampler == "parentbased_always_off") {
    c.sampler = ParentBasedSampler(AlwaysOffSampler());
  } else if (sampler == "parentbased_traceidratio") {
    c.sampler = ParentBasedSampler(TraceIdRatioSampler(ratio));
  } else {
    c.sampler = ParentBasedSampler(AlwaysOnSampler());
  }

  // Batch span processor.
  r.Millis("OTEL_BSP_SCHEDULE_DELAY", &c.bsp.schedule_delay);
  r.Millis("OTEL_BSP_EXPORT_TIMEOUT", &c.bsp.export_timeout);
  r.Size("OTEL_BSP_MAX_QUEUE_SIZE", &c.bsp.max_queue_size);
  r.Size("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", &c.bsp.max_export_batch_size);
  if (c.bsp.max_export_batch_size > c.bsp.max_queue_size) {
    r.Bad("OTEL_BSP_MAX_EXPORT_BATCH_SIZE",
          absl::StrCat(c.bsp.max_export_batch_size),
          "larger than OTEL_BSP_MAX_QUEUE_SIZE",
          absl::StrCat(c.bsp.max_queue_size));
    c.bsp.max_export_batch_size = c.bsp.max_queue_size;
  }

  // Span limits: the span-specific variable over the general one.
  SpanLimits& l = c.span_limits;
  r.Limit("OTEL_ATTRIBUTE_COUNT_LIMIT", &l.attribute_count);
  r.Limit("OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", &l.attribute_count);
  r.Limit("OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT", &l.attribute_value_length);
  r.Limit("OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT", &l.attribute_value_length);
  r.Limit("OTEL_SPAN_EVENT_COUNT_LIMIT", &l.event_count);
  r.Limit("OTEL_SPAN_LINK_COUNT_LIMIT", &l.link_count);
  r.Limit("OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT", &l.event_attribute_count);
  r.Limit("OTEL_LINK_ATTRIBUTE_COUNT_LIMIT", &l.link_attribute_count);
  return c;
}

std::shared_ptr<TracerProvider> MakeTracerProvider(TracingConfig config) {
  if (config.disabled) return nullptr;
  std::unique_ptr<SpanExporter> exporter;
  switch (config.exporter) {
    case TracingConfig::Exporter::kOtlp:
      exporter = std::make_unique<OtlpGrpcExporter>(std::move(config.otlp));
      break;
    case TracingConfig::Exporter::kConsole:
      exporter = std::make_unique<OtlpJsonExporter>(std::move(config.console));
      break;
    case TracingConfig::Exporter::kNone:
      break;
  }
  TracerProviderOptions options;
  options.sampler = std::move(config.sampler);
  options.span_limits = config.span_limits;
  if (exporter) {
    options.processor =
        std::make_unique<BatchSpanProcessor>(std::move(exporter), config.bsp);
  }
  return std::make_shared<TracerProvider>(std::move(options));
}

std::shared_ptr<TracerProvider> InstallTracingFromEnv(
    const std::string& default_service_name) {
  std::shared_ptr<TracerProvider> provider =
      MakeTracerProvider(TracingConfigFromEnv(default_service_name));
  if (provider) InstallTracerProvider(provider);
  return provider;
}

}  // namespace traceprop
