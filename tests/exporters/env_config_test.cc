#include "traceprop/exporters/env_config.h"

#include <errno.h>  // program_invocation_short_name
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "traceprop/context/trace_context.h"

namespace traceprop {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

using Env = std::map<std::string, std::string>;

TracingConfig FromEnv(const Env& env, const std::string& name = "") {
  return TracingConfigFromEnv(name, [&env](const char* key) -> const char* {
    auto it = env.find(key);
    return it == env.end() ? nullptr : it->second.c_str();
  });
}

std::string Resource(const TracingConfig& c, const std::string& key) {
  for (const Attribute& a : c.resource)
    if (a.key == key) return std::get<std::string>(a.value);
  return "(none)";
}

TEST(EnvConfig, DefaultsWhenNothingIsSet) {
  TracingConfig c = FromEnv({});
  EXPECT_TRUE(c.problems.empty());
  EXPECT_FALSE(c.disabled);
  EXPECT_EQ(c.exporter, TracingConfig::Exporter::kOtlp);
  EXPECT_EQ(c.otlp.endpoint, "http://localhost:4317");
  EXPECT_EQ(c.otlp.timeout, absl::Seconds(10));
  EXPECT_FALSE(c.otlp.gzip);
  EXPECT_EQ(c.sampler->Description(), "ParentBased{AlwaysOnSampler}");
  EXPECT_EQ(c.bsp.max_queue_size, 2048u);
  EXPECT_EQ(c.bsp.max_export_batch_size, 512u);
  EXPECT_EQ(c.bsp.schedule_delay, absl::Seconds(5));
  EXPECT_EQ(c.bsp.export_timeout, absl::Seconds(30));
  // The resource conventions' fallback: unknown_service:<executable>
  // (argv[0]'s base name, as glibc keeps it, names this test's binary).
  EXPECT_EQ(Resource(c, "service.name"),
            std::string("unknown_service:") + program_invocation_short_name);
  EXPECT_EQ(Resource(c, "telemetry.sdk.name"), "traceprop");
}

TEST(EnvConfig, EveryVariableIsRead) {
  TracingConfig c = FromEnv({
      {"OTEL_SERVICE_NAME", "relay"},
      {"OTEL_RESOURCE_ATTRIBUTES",
       "service.name=ignored,deployment.environment=prod%20eu"},
      {"OTEL_TRACES_EXPORTER", "console"},
      {"OTEL_EXPORTER_OTLP_ENDPOINT", "http://general:4317"},
      {"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "https://traces:4317"},
      {"OTEL_EXPORTER_OTLP_HEADERS", "api-key=s%3Dcret, x-team = a"},
      {"OTEL_EXPORTER_OTLP_TIMEOUT", "2500"},
      {"OTEL_EXPORTER_OTLP_COMPRESSION", "GZip"},
      {"OTEL_EXPORTER_OTLP_INSECURE", "TRUE"},
      {"OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"},
      {"OTEL_TRACES_SAMPLER", "parentbased_traceidratio"},
      {"OTEL_TRACES_SAMPLER_ARG", "0.25"},
      {"OTEL_BSP_SCHEDULE_DELAY", "100"},
      {"OTEL_BSP_EXPORT_TIMEOUT", "2000"},
      {"OTEL_BSP_MAX_QUEUE_SIZE", "100"},
      {"OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "10"},
  });
  EXPECT_TRUE(c.problems.empty()) << c.problems[0];
  EXPECT_EQ(Resource(c, "service.name"), "relay");
  EXPECT_EQ(Resource(c, "deployment.environment"), "prod eu");
  EXPECT_EQ(c.exporter, TracingConfig::Exporter::kConsole);
  EXPECT_EQ(c.otlp.endpoint, "https://traces:4317");
  ASSERT_EQ(c.otlp.headers.size(), 2u);
  EXPECT_EQ(c.otlp.headers[0], std::make_pair(std::string("api-key"),
                                              std::string("s=cret")));
  EXPECT_EQ(c.otlp.headers[1].first, "x-team");
  EXPECT_EQ(c.otlp.timeout, absl::Milliseconds(2500));
  EXPECT_TRUE(c.otlp.gzip);
  EXPECT_TRUE(c.otlp.insecure);
  EXPECT_EQ(c.sampler->Description(), "ParentBased{TraceIdRatioBased{0.25}}");
  EXPECT_EQ(c.bsp.schedule_delay, absl::Milliseconds(100));
  EXPECT_EQ(c.bsp.export_timeout, absl::Seconds(2));
  EXPECT_EQ(c.bsp.max_queue_size, 100u);
  EXPECT_EQ(c.bsp.max_export_batch_size, 10u);
  EXPECT_EQ(Resource(c, "service.name"),
            std::get<std::string>(c.otlp.resource[0].value));
}

TEST(EnvConfig, ServiceNameFallsBackToResourceThenDefault) {
  EXPECT_EQ(Resource(FromEnv({{"OTEL_RESOURCE_ATTRIBUTES", "service.name=a"}},
                             "prog"),
                     "service.name"),
            "a");
  EXPECT_EQ(Resource(FromEnv({}, "prog"), "service.name"), "prog");
}

TEST(EnvConfig, GarbageIsReportedAndDefaultsUsed) {
  TracingConfig c = FromEnv({
      {"OTEL_SDK_DISABLED", "maybe"},
      {"OTEL_RESOURCE_ATTRIBUTES", "=x,novalue,ok=1,bad=%zz"},
      {"OTEL_TRACES_EXPORTER", "zipkin"},
      {"OTEL_EXPORTER_OTLP_ENDPOINT", "http://"},
      {"OTEL_EXPORTER_OTLP_HEADERS", "api-key=topsecret%,other"},
      {"OTEL_EXPORTER_OTLP_TIMEOUT", "-5"},
      {"OTEL_EXPORTER_OTLP_COMPRESSION", "brotli"},
      {"OTEL_EXPORTER_OTLP_INSECURE", "yes please"},
      {"OTEL_EXPORTER_OTLP_PROTOCOL", "carrier pigeon"},
      {"OTEL_TRACES_SAMPLER", "sometimes"},
      {"OTEL_TRACES_SAMPLER_ARG", "2"},
      {"OTEL_BSP_SCHEDULE_DELAY", "soon"},
      {"OTEL_BSP_EXPORT_TIMEOUT", "0"},
      {"OTEL_BSP_MAX_QUEUE_SIZE", "1e9999"},
      {"OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "99999"},
  });
  std::string all;
  for (const std::string& p : c.problems) all += p + "\n";
  for (const char* var :
       {"OTEL_SDK_DISABLED", "OTEL_RESOURCE_ATTRIBUTES", "OTEL_TRACES_EXPORTER",
        "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_HEADERS",
        "OTEL_EXPORTER_OTLP_TIMEOUT", "OTEL_EXPORTER_OTLP_COMPRESSION",
        "OTEL_EXPORTER_OTLP_INSECURE", "OTEL_EXPORTER_OTLP_PROTOCOL",
        "OTEL_BSP_SCHEDULE_DELAY", "OTEL_BSP_EXPORT_TIMEOUT",
        "OTEL_BSP_MAX_QUEUE_SIZE", "OTEL_BSP_MAX_EXPORT_BATCH_SIZE",
        "OTEL_TRACES_SAMPLER="}) {
    EXPECT_THAT(all, HasSubstr(var));
  }
  EXPECT_THAT(all, Not(HasSubstr("topsecret")));  // header values never shown
  EXPECT_FALSE(c.disabled);
  EXPECT_EQ(Resource(c, "ok"), "1");
  EXPECT_EQ(c.exporter, TracingConfig::Exporter::kOtlp);
  EXPECT_EQ(c.otlp.endpoint, "http://localhost:4317");
  EXPECT_TRUE(c.otlp.headers.empty());
  EXPECT_EQ(c.otlp.timeout, absl::Seconds(10));
  EXPECT_FALSE(c.otlp.gzip);
  EXPECT_FALSE(c.otlp.insecure);
  EXPECT_EQ(c.sampler->Description(), "ParentBased{AlwaysOnSampler}");
  EXPECT_EQ(c.bsp.schedule_delay, absl::Seconds(5));
  EXPECT_EQ(c.bsp.export_timeout, absl::Seconds(30));
  EXPECT_EQ(c.bsp.max_queue_size, 2048u);
  EXPECT_EQ(c.bsp.max_export_batch_size, 2048u);  // capped at the queue
}

// OTLP/HTTP is another port and protocol: asking for it is reported, not
// silently sent gRPC; the TRACES_ variable wins over the general one.
TEST(EnvConfig, OnlyTheGrpcProtocolIsAccepted) {
  for (const char* http : {"http/protobuf", "http/json"}) {
    TracingConfig c = FromEnv({{"OTEL_EXPORTER_OTLP_PROTOCOL", http}});
    ASSERT_EQ(c.problems.size(), 1u) << http;
    EXPECT_THAT(c.problems[0],
                HasSubstr(std::string("OTEL_EXPORTER_OTLP_PROTOCOL=") + http));
    EXPECT_THAT(c.problems[0], HasSubstr("gRPC only"));
    EXPECT_THAT(c.problems[0], HasSubstr("using grpc"));
    EXPECT_EQ(c.exporter, TracingConfig::Exporter::kOtlp);
  }
  TracingConfig garbage =
      FromEnv({{"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "GRPC\x01"},
               {"OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"}});
  ASSERT_EQ(garbage.problems.size(), 1u);
  EXPECT_THAT(garbage.problems[0],
              HasSubstr("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL="));
  EXPECT_THAT(garbage.problems[0],
              HasSubstr("not grpc, http/protobuf or http/json"));
  EXPECT_TRUE(FromEnv({{"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "grpc"},
                       {"OTEL_EXPORTER_OTLP_PROTOCOL", "http/json"}})
                  .problems.empty());
}

TEST(EnvConfig, BadSamplerArgIsReportedOnlyForRatioSamplers) {
  TracingConfig ratio = FromEnv({{"OTEL_TRACES_SAMPLER", "traceidratio"},
                                 {"OTEL_TRACES_SAMPLER_ARG", "abc"}});
  ASSERT_EQ(ratio.problems.size(), 1u);
  EXPECT_THAT(ratio.problems[0], HasSubstr("OTEL_TRACES_SAMPLER_ARG"));
  EXPECT_EQ(ratio.sampler->Description(), "TraceIdRatioBased{1}");
  EXPECT_TRUE(FromEnv({{"OTEL_TRACES_SAMPLER", "always_off"},
                       {"OTEL_TRACES_SAMPLER_ARG", "abc"}})
                  .problems.empty());
}

// The span-specific variable wins over the general one; each limit may be
// 0; garbage and negatives are reported and the default (or the general
// value) kept; MakeTracerProvider hands the limits to the provider.
TEST(EnvConfig, SpanLimitsAreRead) {
  TracingConfig c = FromEnv({
      {"OTEL_ATTRIBUTE_COUNT_LIMIT", "10"},
      {"OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", "20"},
      {"OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT", "30"},
      {"OTEL_SPAN_EVENT_COUNT_LIMIT", "0"},
      {"OTEL_SPAN_LINK_COUNT_LIMIT", "4"},
      {"OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT", "5"},
      {"OTEL_LINK_ATTRIBUTE_COUNT_LIMIT", "6"},
  });
  EXPECT_TRUE(c.problems.empty()) << c.problems[0];
  EXPECT_EQ(c.span_limits.attribute_count, 20u);
  EXPECT_EQ(c.span_limits.attribute_value_length, 30u);
  EXPECT_EQ(c.span_limits.event_count, 0u);
  EXPECT_EQ(c.span_limits.link_count, 4u);
  EXPECT_EQ(c.span_limits.event_attribute_count, 5u);
  EXPECT_EQ(c.span_limits.link_attribute_count, 6u);
  EXPECT_EQ(FromEnv({{"OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT", "7"},
                     {"OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT", "8"}})
                .span_limits.attribute_value_length,
            7u);
  EXPECT_EQ(FromEnv({{"OTEL_ATTRIBUTE_COUNT_LIMIT", "9"}})
                .span_limits.attribute_count,
            9u);

  TracingConfig bad = FromEnv({
      {"OTEL_ATTRIBUTE_COUNT_LIMIT", "12"},
      {"OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", "-1"},
      {"OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT", "lots"},
      {"OTEL_SPAN_EVENT_COUNT_LIMIT", "99999999999"},
      {"OTEL_SPAN_LINK_COUNT_LIMIT", "1.5"},
      {"OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT", "0x10"},
      {"OTEL_LINK_ATTRIBUTE_COUNT_LIMIT", "\x01\xff"},
  });
  ASSERT_EQ(bad.problems.size(), 6u);
  std::string all;
  for (const std::string& p : bad.problems) all += p + "\n";
  EXPECT_THAT(all, HasSubstr("OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT=-1: not an "
                             "integer >= 0; using 12"));
  EXPECT_THAT(all, HasSubstr("OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT=lots: not "
                             "an integer >= 0; using no limit"));
  EXPECT_THAT(all, HasSubstr("OTEL_LINK_ATTRIBUTE_COUNT_LIMIT=??: not"));
  const SpanLimits defaults;
  EXPECT_EQ(bad.span_limits.attribute_count, 12u);
  EXPECT_EQ(bad.span_limits.attribute_value_length, SpanLimits::kUnlimited);
  EXPECT_EQ(bad.span_limits.event_count, defaults.event_count);
  EXPECT_EQ(bad.span_limits.link_count, defaults.link_count);
  EXPECT_EQ(bad.span_limits.event_attribute_count,
            defaults.event_attribute_count);
  EXPECT_EQ(bad.span_limits.link_attribute_count,
            defaults.link_attribute_count);

  auto provider = MakeTracerProvider(FromEnv(
      {{"OTEL_TRACES_EXPORTER", "none"}, {"OTEL_SPAN_LINK_COUNT_LIMIT", "3"}}));
  ASSERT_NE(provider, nullptr);
  EXPECT_EQ(provider->span_limits().link_count, 3u);
}

TEST(EnvConfig, MakeTracerProviderHonoursDisabledAndNone) {
  EXPECT_EQ(MakeTracerProvider(FromEnv({{"OTEL_SDK_DISABLED", "true"}})),
            nullptr);
  auto none = MakeTracerProvider(FromEnv(
      {{"OTEL_TRACES_EXPORTER", "none"}, {"OTEL_TRACES_SAMPLER", "always_off"}}));
  ASSERT_NE(none, nullptr);
  EXPECT_EQ(none->processor(), nullptr);
  TraceContext root = none->NewSpanContext(TraceContext(), "x", SpanKind::kServer);
  EXPECT_TRUE(root.IsValid());
  EXPECT_FALSE(root.sampled());
  auto otlp = MakeTracerProvider(
      FromEnv({{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:1"},
               {"OTEL_EXPORTER_OTLP_TIMEOUT", "100"}}));
  ASSERT_NE(otlp, nullptr);
  EXPECT_NE(otlp->processor(), nullptr);
  otlp->StartSpan("dropped-at-shutdown").End();
  otlp->Shutdown(absl::Seconds(10));  // bounded even with no receiver
}

TEST(EnvConfig, JsonFileSelectsConsoleToThatFile) {
  TracingConfig alone = FromEnv({{"TRACEPROP_OTLP_JSON_FILE", "/tmp/x.jsonl"}});
  EXPECT_TRUE(alone.problems.empty());
  EXPECT_EQ(alone.exporter, TracingConfig::Exporter::kConsole);
  EXPECT_EQ(alone.console.path, "/tmp/x.jsonl");
  // An explicit exporter wins; the path is still the console's.
  TracingConfig otlp = FromEnv({{"TRACEPROP_OTLP_JSON_FILE", "/tmp/x.jsonl"},
                                {"OTEL_TRACES_EXPORTER", "otlp"}});
  EXPECT_EQ(otlp.exporter, TracingConfig::Exporter::kOtlp);
  EXPECT_EQ(FromEnv({}).console.path, "");  // stdout
  EXPECT_EQ(FromEnv({{"TRACEPROP_OTLP_JSON_FILE", "  "}}).exporter,
            TracingConfig::Exporter::kOtlp);  // blank = unset

  // End to end: the span lands in the file as one OTLP/JSON line.
  const std::string path =
      std::string(std::getenv("TEST_TMPDIR") ? std::getenv("TEST_TMPDIR")
                                             : "/tmp") +
      "/env_config_test_" + std::to_string(getpid()) + ".jsonl";
  std::remove(path.c_str());
  auto provider = MakeTracerProvider(FromEnv(
      {{"TRACEPROP_OTLP_JSON_FILE", path}, {"OTEL_SERVICE_NAME", "filed"}}));
  ASSERT_NE(provider, nullptr);
  provider->StartSpan("to-the-file").End();
  ASSERT_TRUE(provider->Shutdown(absl::Seconds(10)));
  std::ifstream in(path);
  std::string line, all;
  int lines = 0;
  while (std::getline(in, line)) {
    ++lines;
    all += line;
  }
  std::remove(path.c_str());
  EXPECT_EQ(lines, 1);
  EXPECT_THAT(all, HasSubstr("\"name\":\"to-the-file\""));
  EXPECT_THAT(all, HasSubstr("\"filed\""));
}

// README's "Spans and export" example, as written (console exporter: the
// spans go to stdout as OTLP/JSON lines).
TEST(EnvConfig, ReadmeExample) {
  setenv("OTEL_TRACES_EXPORTER", "console", 1);
  auto tracing = traceprop::InstallTracingFromEnv(/*default_service_name=*/"relay");
  ASSERT_NE(tracing, nullptr);
  {
    traceprop::Span span("resize-image");      // current while in scope
    span->SetAttribute("image.bytes", int64_t{4096});
    EXPECT_TRUE(span.IsRecording());
  }
  if (tracing) EXPECT_TRUE(tracing->Shutdown(absl::Seconds(5)));
  InstallTracerProvider(nullptr);
  unsetenv("OTEL_TRACES_EXPORTER");
}

}  // namespace
}  // namespace traceprop
