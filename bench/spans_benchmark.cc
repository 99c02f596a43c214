// Benchmarks for recording spans (traceprop/spans/). Target: recording one
// span with its RPC attributes and handing it to the batching processor
// <= 300 ns (opentelemetry-cpp publishes ~745 ns for an SDK span with one
// attribute through its simple processor); an unsampled or provider-less
// span costs what a SpanScope does.
//
//   taskset -c 1 build/bench/spans_benchmark --benchmark_repetitions=5
//       --benchmark_report_aggregates_only=true    (one command line)
//
// The processor's worker runs on another thread and discards; spans the
// worker has not drained when the queue is full are dropped (counted as
// "dropped" per iteration), which is cheaper than enqueueing, so the
// counter says how representative a run was.

#include <benchmark/benchmark.h>

#include <memory>

#include "traceprop/context/trace_context.h"
#include "traceprop/spans/provider.h"
#include "traceprop/spans/span.h"

namespace traceprop {
namespace {

class DiscardExporter final : public SpanExporter {
 public:
  ExportResult Export(const std::vector<std::unique_ptr<SpanData>>&) override {
    return ExportResult::kSuccess;
  }
};

std::shared_ptr<TracerProvider> MakeProvider(
    std::shared_ptr<const Sampler> sampler) {
  BatchSpanProcessorOptions o;
  o.max_queue_size = 1 << 16;
  o.max_export_batch_size = 512;
  return std::make_shared<TracerProvider>(TracerProviderOptions{
      std::move(sampler),
      std::make_unique<BatchSpanProcessor>(std::make_unique<DiscardExporter>(),
                                           o)});
}

// What the client interceptor does for a sampled call: record the span of
// an already decided context, set the RPC attributes (typed, as
// interceptors/internal/rpc_spans.cc does), end it.
void BM_RecordRpcSpan(benchmark::State& state) {
  auto provider = MakeProvider(nullptr);
  const TraceContext parent = TraceContext::NewRoot();
  for (auto _ : state) {
    RecordingSpan span = provider->Record(parent.Child(), "tpecho.Echo/Unary",
                                          SpanKind::kClient);
    RpcAttributes& rpc = *span.rpc_attributes();
    rpc.is_rpc = true;
    rpc.server_address = "localhost";
    rpc.server_port = 50051;
    rpc.grpc_status_code = 0;
    rpc.peer = "ipv4:127.0.0.1:50051";
    span.End();
  }
  provider->Shutdown(absl::Seconds(10));
  auto* p = static_cast<BatchSpanProcessor*>(provider->processor());
  state.counters["dropped"] = benchmark::Counter(
      static_cast<double>(p->GetStats().dropped), benchmark::Counter::kAvgIterations);
}
BENCHMARK(BM_RecordRpcSpan);

void BM_ScopedSpanOneAttribute(benchmark::State& state) {
  auto provider = MakeProvider(nullptr);
  InstallTracerProvider(provider);
  for (auto _ : state) {
    Span span("work");
    span->SetAttribute("k", int64_t{1});
  }
  InstallTracerProvider(nullptr);
  provider->Shutdown(absl::Seconds(10));
}
BENCHMARK(BM_ScopedSpanOneAttribute);

void BM_UnsampledSpan(benchmark::State& state) {
  auto provider = MakeProvider(ParentBasedSampler(AlwaysOffSampler()));
  InstallTracerProvider(provider);
  const TraceContext parent = TraceContext::NewRoot(/*sampled=*/false);
  SpanStartOptions options;
  options.parent = parent;
  for (auto _ : state) {
    RecordingSpan span = StartSpan("work", options);
    span.SetAttribute("k", int64_t{1});
    benchmark::DoNotOptimize(span.context());
  }
  InstallTracerProvider(nullptr);
  provider->Shutdown(absl::Seconds(10));
}
BENCHMARK(BM_UnsampledSpan);

void BM_NoProviderSpan(benchmark::State& state) {
  const TraceContext parent = TraceContext::NewRoot();
  SpanStartOptions options;
  options.parent = parent;
  for (auto _ : state) {
    RecordingSpan span = StartSpan("work", options);
    benchmark::DoNotOptimize(span.context());
  }
}
BENCHMARK(BM_NoProviderSpan);

}  // namespace
}  // namespace traceprop
