// W3C wire-format costs: traceparent parse/format, tracestate parse/format,
// id generation. Run pinned: taskset -c 1 build/bench/w3c_benchmark
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "benchmark/benchmark.h"
#include "traceprop/context/id_generator.h"
#include "traceprop/context/trace_context.h"
#include "traceprop/context/traceparent.h"
#include "traceprop/context/tracestate.h"

namespace traceprop {
namespace {

constexpr absl::string_view kTraceParent =
    "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

void BM_TraceParentParse(benchmark::State& state) {
  for (auto _ : state) {
    absl::StatusOr<TraceParent> tp = ParseTraceParent(kTraceParent);
    benchmark::DoNotOptimize(tp);
  }
}
BENCHMARK(BM_TraceParentParse);

void BM_TraceParentFormat(benchmark::State& state) {
  TraceParent tp = *ParseTraceParent(kTraceParent);
  char out[kTraceParentSize];
  for (auto _ : state) {
    benchmark::DoNotOptimize(tp);
    FormatTraceParentTo(tp.trace_id, tp.parent_id, tp.flags, out);
    benchmark::DoNotOptimize(out);
  }
}
BENCHMARK(BM_TraceParentFormat);

void BM_TraceParentFormatString(benchmark::State& state) {
  TraceParent tp = *ParseTraceParent(kTraceParent);
  for (auto _ : state) {
    benchmark::DoNotOptimize(tp);
    std::string s = FormatTraceParent(tp);
    benchmark::DoNotOptimize(s);
  }
}
BENCHMARK(BM_TraceParentFormatString);

void BM_GenerateTraceId(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(GenerateTraceId());
}
BENCHMARK(BM_GenerateTraceId);

void BM_GenerateSpanId(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(GenerateSpanId());
}
BENCHMARK(BM_GenerateSpanId);

// A realistic member: vendor key and a 16-character value.
std::string MakeTraceState(int members) {
  std::string s;
  for (int i = 0; i < members; ++i) {
    if (i > 0) s += ',';
    absl::StrAppend(&s, "vendor", i, "=", "00f067aa0ba902b7");
  }
  return s;
}

void BM_TraceStateParse(benchmark::State& state) {
  const std::string header = MakeTraceState(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    absl::StatusOr<TraceState> ts = TraceState::Parse(header);
    benchmark::DoNotOptimize(ts);
  }
}
BENCHMARK(BM_TraceStateParse)->Arg(4)->Arg(32);

void BM_TraceStateToHeader(benchmark::State& state) {
  const TraceState ts =
      *TraceState::Parse(MakeTraceState(static_cast<int>(state.range(0))));
  for (auto _ : state) {
    std::string s = ts.ToHeader();
    benchmark::DoNotOptimize(s);
  }
}
BENCHMARK(BM_TraceStateToHeader)->Arg(4)->Arg(32);

void BM_TraceContextFromHeaders(benchmark::State& state) {
  for (auto _ : state) {
    absl::StatusOr<TraceContext> c = TraceContext::FromHeaders(kTraceParent);
    benchmark::DoNotOptimize(c);
  }
}
BENCHMARK(BM_TraceContextFromHeaders);

}  // namespace
}  // namespace traceprop

// TraceState mutation and the multi-field / truncating paths (appended by
// the tracestate owner).
namespace traceprop {
namespace {

// Set of a new key on a state of N members (the usual "add our entry on
// the left" on every outgoing call; at 32 it also evicts the right-most).
void BM_TraceStateSet(benchmark::State& state) {
  const TraceState ts =
      *TraceState::Parse(MakeTraceState(static_cast<int>(state.range(0))));
  for (auto _ : state) {
    absl::StatusOr<TraceState> out = ts.Set("traceprop", "00f067aa0ba902b7");
    benchmark::DoNotOptimize(out);
  }
}
BENCHMARK(BM_TraceStateSet)->Arg(4)->Arg(32);

// The same 32 members arriving as 4 header fields of 8.
void BM_TraceStateParseFourFields(benchmark::State& state) {
  std::vector<std::string> fields;
  for (int f = 0; f < 4; ++f) fields.push_back(MakeTraceState(8));
  const std::vector<absl::string_view> views(fields.begin(), fields.end());
  for (auto _ : state) {
    absl::StatusOr<TraceState> ts = TraceState::Parse(views);
    benchmark::DoNotOptimize(ts);
  }
}
BENCHMARK(BM_TraceStateParseFourFields);

// ToHeader of 32 members (~800 characters) cut to 512.
void BM_TraceStateToHeaderTruncate(benchmark::State& state) {
  const TraceState ts = *TraceState::Parse(MakeTraceState(32));
  for (auto _ : state) {
    std::string s = ts.ToHeader(TraceState::kDefaultMaxHeaderSize);
    benchmark::DoNotOptimize(s);
  }
}
BENCHMARK(BM_TraceStateToHeaderTruncate);

}  // namespace
}  // namespace traceprop
