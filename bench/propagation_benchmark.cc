// The other propagation formats: what one incoming call's extraction and
// one outgoing call's injection cost per format. Numbers in the README.
#include <map>
#include <string>
#include <vector>

#include "benchmark/benchmark.h"
#include "traceprop/context/baggage.h"
#include "traceprop/propagation/b3.h"
#include "traceprop/propagation/grpc_trace_bin.h"
#include "traceprop/propagation/propagator.h"

namespace {

constexpr char kBaggage[] = "tenant=acme,tier=gold;ttl=30,exp=checkout%20v2";
constexpr char kB3[] =
    "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1-05e3ac9a4f6e3b90";

void BM_BaggageParse3(benchmark::State& state) {
  const absl::string_view header = kBaggage;
  for (auto _ : state) {
    benchmark::DoNotOptimize(traceprop::Baggage::Parse({header}));
  }
}
BENCHMARK(BM_BaggageParse3);

void BM_BaggageToHeader3(benchmark::State& state) {
  const absl::string_view header = kBaggage;
  traceprop::Baggage b = traceprop::Baggage::Parse({header});
  for (auto _ : state) benchmark::DoNotOptimize(b.ToHeader());
}
BENCHMARK(BM_BaggageToHeader3);

void BM_B3SingleParse(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(traceprop::ParseB3Single(kB3));
}
BENCHMARK(BM_B3SingleParse);

void BM_B3SingleFormat(benchmark::State& state) {
  traceprop::TraceContext ctx = traceprop::TraceContext::NewRoot().Child();
  for (auto _ : state) benchmark::DoNotOptimize(traceprop::FormatB3Single(ctx));
}
BENCHMARK(BM_B3SingleFormat);

void BM_GrpcTraceBinParse(benchmark::State& state) {
  const std::string bytes =
      traceprop::FormatGrpcTraceBin(traceprop::TraceContext::NewRoot());
  for (auto _ : state) {
    benchmark::DoNotOptimize(traceprop::ParseGrpcTraceBin(bytes));
  }
}
BENCHMARK(BM_GrpcTraceBinParse);

void BM_GrpcTraceBinFormat(benchmark::State& state) {
  traceprop::TraceContext ctx = traceprop::TraceContext::NewRoot();
  for (auto _ : state) benchmark::DoNotOptimize(traceprop::FormatGrpcTraceBin(ctx));
}
BENCHMARK(BM_GrpcTraceBinFormat);

class MapCarrier : public traceprop::Carrier {
 public:
  std::vector<absl::string_view> Get(absl::string_view key) const override {
    std::vector<absl::string_view> out;
    auto range = entries_.equal_range(std::string(key));
    for (auto it = range.first; it != range.second; ++it) out.push_back(it->second);
    return out;
  }
  void Set(absl::string_view key, std::string value) override {
    entries_.emplace(std::string(key), std::move(value));
  }

 private:
  std::multimap<std::string, std::string> entries_;
};

// An incoming call carrying traceparent and baggage, read by the composite
// "tracecontext,baggage,b3" (the map look-ups are the carrier's cost).
void BM_CompositeExtract(benchmark::State& state) {
  MapCarrier carrier;
  carrier.Set("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  carrier.Set("baggage", kBaggage);
  auto p = traceprop::PropagatorsFromNames("tracecontext,baggage,b3");
  for (auto _ : state) {
    traceprop::Extracted in;
    p->Extract(carrier, &in);
    benchmark::DoNotOptimize(in);
  }
}
BENCHMARK(BM_CompositeExtract);

}  // namespace
