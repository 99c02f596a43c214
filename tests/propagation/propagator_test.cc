#include "traceprop/propagation/propagator.h"

#include <cstdlib>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "traceprop/propagation/b3.h"
#include "traceprop/propagation/grpc_trace_bin.h"

namespace traceprop {
namespace {

// MapCarrier is the metadata of one call, as a multimap.
class MapCarrier : public Carrier {
 public:
  MapCarrier() = default;
  MapCarrier(std::initializer_list<std::pair<const std::string, std::string>> init)
      : entries_(init) {}
  std::vector<absl::string_view> Get(absl::string_view key) const override {
    std::vector<absl::string_view> out;
    auto range = entries_.equal_range(std::string(key));
    for (auto it = range.first; it != range.second; ++it) out.push_back(it->second);
    return out;
  }
  void Set(absl::string_view key, std::string value) override {
    entries_.emplace(std::string(key), std::move(value));
  }
  const std::multimap<std::string, std::string>& entries() const { return entries_; }

 private:
  std::multimap<std::string, std::string> entries_;
};

constexpr char kTraceparent[] =
    "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
constexpr char kB3[] = "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1";

Extracted ExtractWith(absl::string_view names, const MapCarrier& carrier) {
  Extracted out;
  PropagatorsFromNames(names)->Extract(carrier, &out);
  return out;
}

TEST(PropagatorTest, DefaultIsTraceContextAndBaggage) {
  std::string warnings;
  EXPECT_EQ(PropagatorsFromNames("", &warnings)->name(), "tracecontext,baggage");
  EXPECT_EQ(warnings, "");
  Extracted in = ExtractWith(
      "", {{"traceparent", kTraceparent}, {"tracestate", "a=1"}, {"baggage", "t=x"}});
  EXPECT_EQ(in.format, "tracecontext");
  EXPECT_EQ(in.context.span_id().ToHex(), "00f067aa0ba902b7");
  EXPECT_EQ(in.context.ToTraceStateHeader(), "a=1");
  EXPECT_EQ(in.baggage.Get("t"), "x");
}

// The first configured format with a *valid* context wins; a later
// malformed one never replaces it (opentelemetry-cpp's composite lets the
// last extractor win even when its result is invalid).
TEST(PropagatorTest, FirstValidFormatWinsAndInvalidNeverReplaces) {
  MapCarrier both{{"traceparent", kTraceparent}, {"b3", kB3}};
  EXPECT_EQ(ExtractWith("tracecontext,b3", both).context.trace_id().ToHex(),
            "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(ExtractWith("b3,tracecontext", both).context.trace_id().ToHex(),
            "80f198ee56343ba864fe8b2a57d3eff7");

  MapCarrier bad_second{{"traceparent", kTraceparent}, {"b3", "garbage"}};
  Extracted in = ExtractWith("tracecontext,b3", bad_second);
  EXPECT_TRUE(in.context.IsValid());
  EXPECT_EQ(in.format, "tracecontext");
  EXPECT_EQ(in.invalid, 1);

  MapCarrier bad_first{{"traceparent", "00-bad"}, {"b3", kB3}};
  in = ExtractWith("tracecontext,b3", bad_first);
  EXPECT_EQ(in.format, "b3");
  EXPECT_EQ(in.invalid, 1);
}

TEST(PropagatorTest, MalformedEverywhereGivesNoContext) {
  MapCarrier garbage{{"traceparent", "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01"},
                     {"traceparent", kTraceparent},
                     {"b3", "1-2-3"},
                     {"grpc-trace-bin", "\x01"},
                     {"baggage", "bad key=1"}};
  Extracted in = ExtractWith("tracecontext,b3,grpc-trace-bin,baggage", garbage);
  EXPECT_FALSE(in.context.IsValid());
  EXPECT_EQ(in.format, "");
  EXPECT_TRUE(in.baggage.empty());
  EXPECT_EQ(in.invalid, 4);
}

TEST(PropagatorTest, B3DenyWithoutIdsIsASamplingDecision) {
  Extracted in = ExtractWith("tracecontext,b3", {{"b3", "0"}});
  EXPECT_FALSE(in.context.IsValid());
  EXPECT_EQ(in.sampled, false);
  in = ExtractWith("b3multi", {{"x-b3-sampled", "1"}});
  EXPECT_EQ(in.sampled, true);
}

TEST(PropagatorTest, B3MultiAndGrpcTraceBinExtract) {
  Extracted in = ExtractWith(
      "b3multi", {{"x-b3-traceid", "a3ce929d0e0e4736"},
                  {"x-b3-spanid", "e457b5a2e4d86bd1"},
                  {"x-b3-sampled", "1"}});
  EXPECT_EQ(in.context.trace_id().ToHex(), "0000000000000000a3ce929d0e0e4736");
  TraceContext ctx = TraceContext::NewRoot(true);
  in = ExtractWith("grpc-trace-bin", {{"grpc-trace-bin", FormatGrpcTraceBin(ctx)}});
  EXPECT_EQ(in.context.span_id(), ctx.span_id());
  // Two values of a single-valued header are malformed.
  in = ExtractWith("b3", {{"b3", kB3}, {"b3", kB3}});
  EXPECT_FALSE(in.context.IsValid());
  EXPECT_EQ(in.invalid, 1);
}

TEST(PropagatorTest, InjectWritesEveryFormat) {
  TraceContext ctx = TraceContext::NewRoot(true).Child();
  absl::StatusOr<Baggage> baggage = Baggage().Set("tenant", "acme");
  ASSERT_TRUE(baggage.ok());
  MapCarrier out;
  PropagatorsFromNames("tracecontext,baggage,b3,b3multi,grpc-trace-bin")
      ->Inject(ctx, *baggage, &out);
  EXPECT_EQ(out.Get("traceparent")[0], ctx.ToTraceParent());
  EXPECT_EQ(out.Get("baggage")[0], "tenant=acme");
  EXPECT_EQ(out.Get("b3")[0], FormatB3Single(ctx));
  EXPECT_EQ(out.Get("x-b3-spanid")[0], ctx.span_id().ToHex());
  EXPECT_EQ(out.Get("x-b3-parentspanid")[0], ctx.parent_span_id().ToHex());
  EXPECT_EQ(out.Get("grpc-trace-bin")[0], FormatGrpcTraceBin(ctx));
  EXPECT_TRUE(out.Get("tracestate").empty());  // empty: not sent

  // Round trip between formats: a trace entering as B3 leaves as W3C with
  // the same ids.
  Extracted in = ExtractWith("b3", {{"b3", kB3}});
  MapCarrier w3c;
  PropagatorsFromNames("tracecontext")->Inject(in.context, in.baggage, &w3c);
  EXPECT_EQ(w3c.Get("traceparent")[0],
            "00-80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-01");

  MapCarrier none;
  PropagatorsFromNames("tracecontext,b3")->Inject(TraceContext(), Baggage(), &none);
  EXPECT_TRUE(none.entries().empty());
}

TEST(PropagatorTest, NamesParsedLikeOtelPropagators) {
  std::string warnings;
  auto p = PropagatorsFromNames(" TraceContext , b3,b3 ,bo\tgus,BAGGAGE", &warnings);
  EXPECT_EQ(p->name(), "tracecontext,b3,baggage");
  EXPECT_NE(warnings.find("unknown propagator 'bo\\tgus' skipped"), std::string::npos)
      << warnings;

  warnings.clear();
  p = PropagatorsFromNames("none", &warnings);
  EXPECT_EQ(p->name(), "");
  EXPECT_EQ(warnings, "");
  MapCarrier carrier{{"traceparent", kTraceparent}};
  Extracted in;
  p->Extract(carrier, &in);
  EXPECT_FALSE(in.context.IsValid());

  warnings.clear();
  EXPECT_EQ(PropagatorsFromNames("b3,none", &warnings)->name(), "");
  EXPECT_NE(warnings.find("none wins"), std::string::npos);
  EXPECT_EQ(PropagatorsFromNames("bogus")->name(), "tracecontext,baggage");

  std::vector<std::string> fields = PropagatorsFromNames("tracecontext,b3multi")->Fields();
  EXPECT_EQ(fields.size(), 8u);
}

TEST(PropagatorTest, FromEnv) {
  setenv("OTEL_PROPAGATORS", "b3multi,tracecontext", 1);
  EXPECT_EQ(PropagatorsFromEnv()->name(), "b3multi,tracecontext");
  unsetenv("OTEL_PROPAGATORS");
  EXPECT_EQ(PropagatorsFromEnv()->name(), "tracecontext,baggage");
}

}  // namespace
}  // namespace traceprop
