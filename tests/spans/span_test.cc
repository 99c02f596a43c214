#include "traceprop/spans/span.h"

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "traceprop/context/current.h"
#include "traceprop/spans/in_memory_exporter.h"
#include "traceprop/spans/provider.h"

namespace traceprop {
namespace {

// Installs a provider over an in-memory exporter for one test and
// uninstalls it afterwards.
class SpanTest : public ::testing::Test {
 protected:
  void Install(std::shared_ptr<const Sampler> sampler = nullptr,
               SpanLimits limits = {}) {
    auto exporter = std::make_unique<InMemoryExporter>();
    spans_ = exporter->storage();
    BatchSpanProcessor::Options options;
    options.schedule_delay = absl::Hours(1);  // only flushes export
    TracerProviderOptions provider_options;
    provider_options.sampler = std::move(sampler);
    provider_options.processor =
        std::make_unique<BatchSpanProcessor>(std::move(exporter), options);
    provider_options.span_limits = limits;
    provider_ = std::make_shared<TracerProvider>(std::move(provider_options));
    InstallTracerProvider(provider_);
  }
  void TearDown() override {
    InstallTracerProvider(nullptr);
    if (provider_) provider_->Shutdown(absl::Seconds(10));
  }
  std::vector<SpanData> Flush() {
    EXPECT_TRUE(provider_->ForceFlush(absl::Seconds(10)));
    return spans_->Take();
  }

  std::shared_ptr<TracerProvider> provider_;
  std::shared_ptr<InMemorySpans> spans_;
};

TEST_F(SpanTest, WithoutProviderASpanIsASpanScope) {
  TraceContext outer = TraceContext::NewRoot();
  ContextScope scope(outer);
  {
    Span span("work");
    EXPECT_FALSE(span.IsRecording());
    EXPECT_EQ(Current(), span.context());
    EXPECT_EQ(span.context().trace_id(), outer.trace_id());
    EXPECT_EQ(span.context().parent_span_id(), outer.span_id());
    span->SetAttribute("k", "v");  // no-op, no crash
  }
  EXPECT_EQ(Current(), outer);
}

TEST_F(SpanTest, ScopedSpanIsCurrentParentsChildrenAndEndsOnce) {
  Install();
  TraceContext root_context;
  {
    Span root("root");
    ASSERT_TRUE(root.IsRecording());
    root_context = root.context();
    EXPECT_TRUE(root_context.flags().random());
    EXPECT_TRUE(root_context.sampled());
    {
      Span child("child", {SpanKind::kClient});
      EXPECT_EQ(Current(), child.context());
      child.End();
      child.End();                            // once
      EXPECT_EQ(Current(), child.context());  // still in scope
    }
    EXPECT_EQ(Current(), root_context);
  }
  EXPECT_FALSE(Current().IsValid());
  std::vector<SpanData> got = Flush();
  ASSERT_EQ(got.size(), 2u);
  const SpanData& child = got[0];
  const SpanData& root = got[1];
  EXPECT_EQ(child.name, "child");
  EXPECT_EQ(child.kind, SpanKind::kClient);
  EXPECT_EQ(root.name, "root");
  EXPECT_EQ(root.kind, SpanKind::kInternal);
  EXPECT_FALSE(root.parent_span_id.IsValid());
  EXPECT_EQ(root.span_id, root_context.span_id());
  EXPECT_EQ(child.trace_id, root.trace_id);
  EXPECT_EQ(child.parent_span_id, root.span_id);
  EXPECT_FALSE(child.parent_is_remote);
  // Timing: the child lies within the root.
  EXPECT_LE(root.start_unix_nano, child.start_unix_nano);
  EXPECT_LE(child.start_unix_nano, child.end_unix_nano);
  EXPECT_LE(child.end_unix_nano, root.end_unix_nano);
  EXPECT_GT(root.start_unix_nano, uint64_t{1600000000} * 1000000000);
}

TEST_F(SpanTest, AttributesEventsStatusAndLinks) {
  Install();
  TraceContext linked = TraceContext::NewRoot();
  {
    SpanStartOptions options;
    options.attributes = {{"from.start", int64_t{7}}};
    options.links = {{linked, {{"why", std::string("origin")}}}};
    Span span("work", std::move(options));
    span->SetAttribute("s", "text");  // a const char* stays a string
    span->SetAttribute("b", true);
    span->SetAttribute("i", 42);
    span->SetAttribute("d", 0.5);
    span->SetAttribute("i", int64_t{43});  // replaces
    span->SetAttribute("t", "first");
    span->SetAttribute("t", "second");  // a string replaces a string
    span->SetAttribute("u", int64_t{1});
    span->SetAttribute("u", "now text");  // and a value of another type
    span->SetAttribute("v", "text first");
    span->SetAttribute("v", 2.5);
    span->SetAttribute("", "ignored");
    span->AddEvent("checkpoint", {{"n", int64_t{1}}});
    span->AddLink(TraceContext());  // invalid: ignored
    span->RecordError(absl::NotFoundError("no such image"));
    span->SetStatus(StatusCode::kUnset);  // ignored
  }
  std::vector<SpanData> got = Flush();
  ASSERT_EQ(got.size(), 1u);
  const SpanData& s = got[0];
  ASSERT_TRUE(s.FindAttribute("s"));
  EXPECT_EQ(std::get<std::string>(*s.FindAttribute("s")), "text");
  EXPECT_EQ(std::get<bool>(*s.FindAttribute("b")), true);
  EXPECT_EQ(std::get<int64_t>(*s.FindAttribute("i")), 43);
  EXPECT_EQ(std::get<double>(*s.FindAttribute("d")), 0.5);
  EXPECT_EQ(std::get<int64_t>(*s.FindAttribute("from.start")), 7);
  EXPECT_EQ(std::get<std::string>(*s.FindAttribute("t")), "second");
  EXPECT_EQ(std::get<std::string>(*s.FindAttribute("u")), "now text");
  EXPECT_EQ(std::get<double>(*s.FindAttribute("v")), 2.5);
  EXPECT_EQ(s.attributes.size(), 8u);
  ASSERT_EQ(s.events.size(), 2u);
  EXPECT_EQ(s.events[0].name, "checkpoint");
  EXPECT_EQ(s.events[1].name, "exception");
  EXPECT_LE(s.start_unix_nano, s.events[0].time_unix_nano);
  EXPECT_LE(s.events[0].time_unix_nano, s.events[1].time_unix_nano);
  EXPECT_LE(s.events[1].time_unix_nano, s.end_unix_nano);
  EXPECT_EQ(s.events[1].attributes[0].key, "exception.type");
  EXPECT_EQ(std::get<std::string>(s.events[1].attributes[0].value),
            "NOT_FOUND");
  EXPECT_EQ(s.status, StatusCode::kError);
  EXPECT_EQ(s.status_message, "no such image");
  ASSERT_EQ(s.links.size(), 1u);
  EXPECT_EQ(s.links[0].context, linked);
}

TEST_F(SpanTest, OkIsFinalAndMessagesOnlyWithErrors) {
  Install();
  {
    RecordingSpan span = StartSpan("a");
    span.SetStatus(StatusCode::kOk, "dropped message");
    span.SetStatus(StatusCode::kError, "too late");
  }
  std::vector<SpanData> got = Flush();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].status, StatusCode::kOk);
  EXPECT_EQ(got[0].status_message, "");
}

TEST_F(SpanTest, DefaultLimitsAreOpenTelemetrysAndDropAndCount) {
  Install();
  const SpanLimits defaults;
  EXPECT_EQ(defaults.attribute_count, 128u);
  EXPECT_EQ(defaults.attribute_value_length, SpanLimits::kUnlimited);
  {
    RecordingSpan span = StartSpan("many");
    for (size_t i = 0; i < 128 + 3; ++i)
      span.SetAttribute("k" + std::to_string(i), int64_t(i));
    span.SetAttribute("k0", "replaced, not added");
    for (size_t i = 0; i < 128 + 2; ++i) span.AddEvent("e");
    for (size_t i = 0; i < 128 + 1; ++i) span.AddLink(TraceContext::NewRoot());
    span.SetAttribute("long", std::string(100000, 'x'));
  }
  std::vector<SpanData> got = Flush();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].attributes.size(), 128u);
  EXPECT_EQ(got[0].FindAttribute("k0"),
            AttributeValue(std::string("replaced, not added")));
  EXPECT_EQ(got[0].dropped_attributes, 4u);
  EXPECT_EQ(got[0].events.size(), 128u);
  EXPECT_EQ(got[0].dropped_events, 2u);
  EXPECT_EQ(got[0].links.size(), 128u);
  EXPECT_EQ(got[0].dropped_links, 1u);
}

TEST_F(SpanTest, ConfiguredLimitsBoundAttributesEventsAndLinks) {
  SpanLimits limits;
  limits.attribute_count = 3;
  limits.event_count = 2;
  limits.link_count = 1;
  limits.event_attribute_count = 1;
  limits.link_attribute_count = 2;
  limits.attribute_value_length = 4;
  Install(nullptr, limits);
  const std::vector<Attribute> three = {{"a", std::string("caf\xc3\xa9s!")},
                                        {"b", int64_t{1}},
                                        {"c", std::string("xyz")}};
  {
    SpanStartOptions options;
    options.attributes = {
        {"s", std::string("\xe2\x82\xac\xe2\x82\xac"
                          "\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac")}};
    RecordingSpan span = StartSpan("bounded", std::move(options));
    span.SetAttribute("i", int64_t{7});
    span.SetAttribute("t", "abcdefgh");
    span.SetAttribute("over", "dropped");
    span.SetAttribute("i", int64_t{8});  // a known key is still replaced
    span.AddEvent("e1", three);
    span.AddEvent("e2");
    span.AddEvent("e3");
    span.AddLink(TraceContext::NewRoot(), three);
    span.AddLink(TraceContext::NewRoot());
  }
  std::vector<SpanData> got = Flush();
  ASSERT_EQ(got.size(), 1u);
  const SpanData& s = got[0];
  ASSERT_EQ(s.attributes.size(), 3u);
  // Four characters, cut between characters: four euro signs, 12 bytes.
  EXPECT_EQ(s.FindAttribute("s"),
            AttributeValue(std::string("\xe2\x82\xac\xe2\x82\xac"
                                       "\xe2\x82\xac\xe2\x82\xac")));
  EXPECT_EQ(s.FindAttribute("i"), AttributeValue(int64_t{8}));
  EXPECT_EQ(s.FindAttribute("t"), AttributeValue(std::string("abcd")));
  EXPECT_EQ(s.FindAttribute("over"), std::nullopt);
  EXPECT_EQ(s.dropped_attributes, 1u);
  ASSERT_EQ(s.events.size(), 2u);
  EXPECT_EQ(s.dropped_events, 1u);
  ASSERT_EQ(s.events[0].attributes.size(), 1u);
  EXPECT_EQ(std::get<std::string>(s.events[0].attributes[0].value),
            "caf\xc3\xa9");
  EXPECT_EQ(s.events[0].dropped_attributes, 2u);
  EXPECT_EQ(s.events[1].dropped_attributes, 0u);
  ASSERT_EQ(s.links.size(), 1u);
  EXPECT_EQ(s.dropped_links, 1u);
  ASSERT_EQ(s.links[0].attributes.size(), 2u);
  EXPECT_EQ(s.links[0].dropped_attributes, 1u);
}

TEST_F(SpanTest, ZeroLimitsKeepNothingAndCountEverything) {
  SpanLimits zero;
  zero.attribute_count = zero.event_count = zero.link_count = 0;
  zero.event_attribute_count = zero.link_attribute_count = 0;
  zero.attribute_value_length = 0;
  Install(nullptr, zero);
  {
    RecordingSpan span = StartSpan("empty");
    span.SetAttribute("a", "x");
    span.SetAttribute("b", true);
    span.AddEvent("e", {{"k", std::string("v")}});
    span.AddLink(TraceContext::NewRoot());
    span.RecordError(absl::InternalError("boom"));  // its event is dropped
  }
  std::vector<SpanData> got = Flush();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_TRUE(got[0].attributes.empty());
  EXPECT_EQ(got[0].dropped_attributes, 2u);
  EXPECT_TRUE(got[0].events.empty());
  EXPECT_EQ(got[0].dropped_events, 2u);
  EXPECT_TRUE(got[0].links.empty());
  EXPECT_EQ(got[0].dropped_links, 1u);
  EXPECT_EQ(got[0].status, StatusCode::kError);  // the status is not limited
}

// Bytes that are not UTF-8 still count: a byte that is not a continuation
// byte starts a character, so a cut never separates a lead byte from its
// continuation bytes and always makes progress.
TEST_F(SpanTest, ValueLengthCutsNeverSplitACharacter) {
  SpanLimits limits;
  limits.attribute_value_length = 2;
  Install(nullptr, limits);
  {
    RecordingSpan span = StartSpan("cuts");
    span.SetAttribute("ascii", "abc");
    span.SetAttribute("two", "a\xc3\xa9z");                          // a, é, z
    span.SetAttribute("four", "\xf0\x9f\x98\x80\xf0\x9f\x98\x80!");  // 😀😀!
    span.SetAttribute("bad", "\xff\xfe\xfd");
    span.SetAttribute("lone", "\x80\x80x\x80y");  // a stray continuation
    span.SetAttribute("short", "\xc3\xa9");       // one character
  }
  std::vector<SpanData> got = Flush();
  ASSERT_EQ(got.size(), 1u);
  auto text = [&](const char* key) {
    return std::get<std::string>(*got[0].FindAttribute(key));
  };
  EXPECT_EQ(text("ascii"), "ab");
  EXPECT_EQ(text("two"), "a\xc3\xa9");
  EXPECT_EQ(text("four"), "\xf0\x9f\x98\x80\xf0\x9f\x98\x80");
  EXPECT_EQ(text("bad"), "\xff\xfe");
  EXPECT_EQ(text("lone"), "\x80\x80x\x80");
  EXPECT_EQ(text("short"), "\xc3\xa9");
}

// The RPC attributes count against attribute_count and are kept; the
// user's latest attributes make room.
TEST_F(SpanTest, RpcAttributesCountAgainstTheLimitAndAreKept) {
  for (size_t limit : {size_t{5}, size_t{6}, size_t{3}}) {
    SCOPED_TRACE(limit);
    SpanLimits limits;
    limits.attribute_count = limit;
    Install(nullptr, limits);
    {
      RecordingSpan span = StartSpan("pkg.Svc/Method", {SpanKind::kServer});
      RpcAttributes* rpc = span.rpc_attributes();
      ASSERT_NE(rpc, nullptr);
      rpc->is_rpc = true;               // rpc.system, rpc.service, rpc.method
      rpc->peer = "ipv4:10.0.0.1:443";  // network.peer.address and .port
      span.SetAttribute("first", int64_t{1});
      span.SetAttribute("second", int64_t{2});
      span.SetAttribute("third", int64_t{3});
    }
    std::vector<SpanData> got = Flush();
    ASSERT_EQ(got.size(), 1u);
    size_t shown = 0;
    got[0].ForEachAttribute(
        [&](absl::string_view, AttributeValueView) { ++shown; });
    EXPECT_EQ(got[0].FindAttribute("rpc.method"),
              AttributeValue(std::string("Method")));
    EXPECT_EQ(got[0].FindAttribute("network.peer.port"),
              AttributeValue(int64_t{443}));
    const size_t kept = limit > 5 ? limit - 5 : 0;
    EXPECT_EQ(got[0].attributes.size(), kept);
    EXPECT_EQ(got[0].dropped_attributes, 3 - kept);
    EXPECT_EQ(shown, 5 + kept);
    if (kept == 1) EXPECT_EQ(got[0].attributes[0].key, "first");
    TearDown();
  }
}

TEST_F(SpanTest, MovedSpanEndsOnceAndExplicitParentIsUsed) {
  Install();
  TraceContext remote = *TraceContext::FromHeaders(
      "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
  RecordingSpan a = StartSpan("moved", {SpanKind::kServer, remote});
  RecordingSpan b = std::move(a);
  EXPECT_FALSE(a.IsRecording());
  a.End();
  b.End();
  b.End();
  std::vector<SpanData> got = Flush();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].trace_id, remote.trace_id());
  EXPECT_EQ(got[0].parent_span_id, remote.span_id());
  EXPECT_TRUE(got[0].parent_is_remote);
  EXPECT_EQ(got[0].kind, SpanKind::kServer);
}

TEST_F(SpanTest, UnsampledSpansPropagateAndRecordNothing) {
  Install(ParentBasedSampler(AlwaysOffSampler()));
  {
    Span root("root");
    EXPECT_FALSE(root.IsRecording());
    EXPECT_TRUE(root.context().IsValid());
    EXPECT_FALSE(root.context().sampled());
    Span child("child");
    EXPECT_EQ(child.context().trace_id(), root.context().trace_id());
    EXPECT_FALSE(child.IsRecording());
  }
  // A sampled remote parent is followed.
  TraceContext remote = *TraceContext::FromHeaders(
      "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
  StartSpan("followed", {SpanKind::kServer, remote}).End();
  std::vector<SpanData> got = Flush();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].name, "followed");
}

TEST_F(SpanTest, RatioRootRecordsThresholdInTraceState) {
  Install(ParentBasedSampler(TraceIdRatioSampler(1.0)));
  StartSpan("root").End();
  std::vector<SpanData> got = Flush();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].trace_state, "ot=th:0");
}

TEST_F(SpanTest, NothingIsRecordedAfterShutdown) {
  Install();
  RecordingSpan open = StartSpan("open");
  ASSERT_TRUE(provider_->Shutdown(absl::Seconds(10)));
  open.End();  // handed to a shut-down processor: dropped, no crash
  RecordingSpan after = StartSpan("after");
  EXPECT_FALSE(after.IsRecording());
  EXPECT_TRUE(after.context().IsValid());
  EXPECT_EQ(spans_->size(), 0u);
  auto* processor = static_cast<BatchSpanProcessor*>(provider_->processor());
  EXPECT_EQ(processor->GetStats().dropped, 1u);
}

TEST_F(SpanTest, RecordedSpansKeepTheParentsBaggage) {
  Install();
  const Baggage tenant = *Baggage().Set("tenant", "acme");
  {
    ContextScope scope(TraceContext::NewRoot().WithBaggage(tenant));
    Span child("child");
    EXPECT_TRUE(child.IsRecording());
    EXPECT_EQ(child.context().baggage(), tenant);
    EXPECT_EQ(CurrentBaggage(), tenant);
  }
  {
    // A root started under baggage without a trace keeps it too.
    ContextScope scope(TraceContext().WithBaggage(tenant));
    Span root("root");
    EXPECT_TRUE(root.context().IsValid());
    EXPECT_EQ(root.context().baggage(), tenant);
  }
}

TEST_F(SpanTest, ConfiguredBaggageKeysBecomeAttributes) {
  auto exporter = std::make_unique<InMemoryExporter>();
  spans_ = exporter->storage();
  BatchSpanProcessor::Options options;
  options.schedule_delay = absl::Hours(1);
  TracerProviderOptions provider_options;
  provider_options.processor =
      std::make_unique<BatchSpanProcessor>(std::move(exporter), options);
  provider_options.baggage_attribute_keys = {"tenant", "long"};
  provider_ = std::make_shared<TracerProvider>(std::move(provider_options));
  InstallTracerProvider(provider_);

  // "é" is 2 bytes: 255 'x' then "é" must be cut before the "é".
  const std::string long_value = std::string(255, 'x') + "\xc3\xa9";
  Baggage b = *Baggage().Set("tenant", "acme");
  b = *b.Set("secret", "s");
  b = *b.Set("long", long_value);
  {
    ContextScope scope(TraceContext::NewRoot().WithBaggage(b));
    Span span("with baggage");
  }
  { Span span("without baggage"); }
  std::vector<SpanData> spans = Flush();
  ASSERT_EQ(spans.size(), 2u);
  if (spans[0].name != "with baggage") std::swap(spans[0], spans[1]);
  ASSERT_EQ(spans[0].name, "with baggage");
  std::map<std::string, std::string> attrs;
  for (const Attribute& a : spans[0].attributes) {
    if (const std::string* v = std::get_if<std::string>(&a.value)) {
      attrs[a.key] = *v;
    }
  }
  EXPECT_EQ(attrs["baggage.tenant"], "acme");
  EXPECT_EQ(attrs.count("baggage.secret"), 0u);
  EXPECT_EQ(attrs["baggage.long"], std::string(255, 'x'));
  for (const Attribute& a : spans[1].attributes) {
    EXPECT_NE(a.key.rfind("baggage.", 0), 0u) << a.key;
  }
}

// The typed RPC attributes, as exporters see them.
std::vector<std::pair<std::string, AttributeValue>> AllAttributes(
    const SpanData& s) {
  std::vector<std::pair<std::string, AttributeValue>> out;
  s.ForEachAttribute([&](absl::string_view key, AttributeValueView v) {
    AttributeValue value;
    if (const auto* sv = std::get_if<absl::string_view>(&v)) {
      value = std::string(*sv);
    } else if (const auto* i = std::get_if<int64_t>(&v)) {
      value = *i;
    } else if (const auto* b = std::get_if<bool>(&v)) {
      value = *b;
    } else {
      value = std::get<double>(v);
    }
    out.emplace_back(std::string(key), value);
  });
  return out;
}

using A = std::pair<std::string, AttributeValue>;

TEST(SpanDataTest, RpcAttributesComeFirstInTheirOrder) {
  SpanData s;
  s.name = "pkg.v1.Service/Get";
  s.rpc.is_rpc = true;
  s.rpc.server_address = "api.example.com";
  s.rpc.server_port = 443;
  s.rpc.peer = "ipv4:10.1.2.3:50051";
  s.rpc.grpc_status_code = 0;
  s.attributes.push_back({"user", int64_t{1}});
  s.attributes.push_back({"rpc.method", std::string("Shadowed")});
  EXPECT_THAT(
      AllAttributes(s),
      testing::ElementsAre(A{"rpc.system", std::string("grpc")},
                           A{"rpc.service", std::string("pkg.v1.Service")},
                           A{"rpc.method", std::string("Get")},
                           A{"server.address", std::string("api.example.com")},
                           A{"server.port", int64_t{443}},
                           A{"network.peer.address", std::string("10.1.2.3")},
                           A{"network.peer.port", int64_t{50051}},
                           A{"rpc.grpc.status_code", int64_t{0}},
                           A{"user", int64_t{1}}));
  EXPECT_EQ(s.FindAttribute("rpc.method"), AttributeValue(std::string("Get")));
  EXPECT_EQ(s.FindAttribute("user"), AttributeValue(int64_t{1}));
  EXPECT_FALSE(s.FindAttribute("absent"));
}

TEST(SpanDataTest, UnsetRpcFieldsAreOmitted) {
  SpanData s;
  s.name = "no-slash";
  s.rpc.is_rpc = true;
  s.rpc.server_address = "host";  // no port: server.port omitted
  EXPECT_THAT(AllAttributes(s),
              testing::ElementsAre(A{"rpc.system", std::string("grpc")},
                                   A{"server.address", std::string("host")}));
  SpanData plain;  // not an RPC span: only its own attributes
  plain.name = "a/b";
  plain.attributes.push_back({"rpc.system", std::string("mine")});
  EXPECT_THAT(AllAttributes(plain),
              testing::ElementsAre(A{"rpc.system", std::string("mine")}));
}

TEST(SpanDataTest, PeerForms) {
  auto peer = [](const std::string& uri) {
    SpanData s;
    s.rpc.peer = uri;
    return AllAttributes(s);
  };
  EXPECT_THAT(peer("ipv6:[2001:db8::1]:443"),
              testing::ElementsAre(
                  A{"network.peer.address", std::string("2001:db8::1")},
                  A{"network.peer.port", int64_t{443}}));
  EXPECT_THAT(peer("unix:/tmp/s.sock"),
              testing::ElementsAre(
                  A{"network.peer.address", std::string("/tmp/s.sock")},
                  A{"network.transport", std::string("unix")}));
  // Forms gRPC may report that name no address, and malformed ones.
  for (const char* bad :
       {"inproc", "ipv4:1.2.3.4", "ipv4:1.2.3.4:http", "ipv4:1.2.3.4:65536",
        "ipv4:1.2.3.4:-1", "dns:host:80", "", "ipv4:", "IPV4:1.2.3.4:80"}) {
    EXPECT_THAT(peer(bad), testing::IsEmpty()) << bad;
  }
}

}  // namespace
}  // namespace traceprop
