// What the trace fields cost on a spdlog line: the same logger and line
// with and without the %& flag, formatted into a memory buffer (a sink that
// formats and discards; spdlog's null_sink skips formatting altogether, so
// it would measure nothing). Target: the flag adds <= 50 ns per line.
//
//   taskset -c 1 ./logging_benchmark --benchmark_repetitions=5 \
//       --benchmark_report_aggregates_only=true

#include <memory>
#include <mutex>
#include <string>

#include "benchmark/benchmark.h"
#include "spdlog/details/null_mutex.h"
#include "spdlog/logger.h"
#include "spdlog/pattern_formatter.h"
#include "spdlog/sinks/base_sink.h"
#include "traceprop/context/current.h"
#include "traceprop/logging/log_fields.h"
#include "traceprop/logging/spdlog_setup.h"

namespace {

// Formats every message into a reused buffer and keeps only its size.
class FormattingSink
    : public spdlog::sinks::base_sink<spdlog::details::null_mutex> {
 public:
  size_t bytes = 0;

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    buf_.clear();
    formatter_->format(msg, buf_);
    bytes += buf_.size();
    benchmark::DoNotOptimize(buf_.data());
  }
  void flush_() override {}

 private:
  spdlog::memory_buf_t buf_;
};

constexpr char kBase[] = "[%Y-%m-%d %H:%M:%S.%e] [%n] [%l] ";

std::shared_ptr<spdlog::logger> MakeLogger(
    std::unique_ptr<spdlog::formatter> f) {
  auto sink = std::make_shared<FormattingSink>();
  auto logger = std::make_shared<spdlog::logger>("bench", sink);
  logger->set_formatter(std::move(f));
  return logger;
}

std::unique_ptr<spdlog::formatter> TextFormatter(bool with_flag) {
  traceprop::logging::SpdlogOptions opts;
  if (with_flag) {
    opts.spdlog_pattern = std::string(kBase) + "%& %v";
    return *traceprop::logging::MakeSpdlogFormatter(opts);
  }
  // The same line without the flag: "[-] [-]" would be literal text, so
  // leave it out entirely — the difference is the whole cost of the ids.
  return std::make_unique<spdlog::pattern_formatter>(std::string(kBase) + "%v");
}

void LogLines(benchmark::State& state, spdlog::logger& logger) {
  int order = 0;
  for (auto _ : state) {
    logger.info("handling order {} for customer {}", ++order, "acme");
  }
}

void BM_Spdlog_WithoutIds(benchmark::State& state) {
  auto logger = MakeLogger(TextFormatter(false));
  traceprop::ContextScope scope(traceprop::TraceContext::NewRoot());
  LogLines(state, *logger);
}
BENCHMARK(BM_Spdlog_WithoutIds);

void BM_Spdlog_WithIds_InTrace(benchmark::State& state) {
  auto logger = MakeLogger(TextFormatter(true));
  traceprop::ContextScope scope(traceprop::TraceContext::NewRoot());
  LogLines(state, *logger);
}
BENCHMARK(BM_Spdlog_WithIds_InTrace);

void BM_Spdlog_WithIds_NoTrace(benchmark::State& state) {
  auto logger = MakeLogger(TextFormatter(true));
  LogLines(state, *logger);
}
BENCHMARK(BM_Spdlog_WithIds_NoTrace);

void BM_Spdlog_Json_InTrace(benchmark::State& state) {
  traceprop::logging::SpdlogOptions opts;
  opts.format = traceprop::logging::SpdlogOptions::Format::kJson;
  auto logger = MakeLogger(*traceprop::logging::MakeSpdlogFormatter(opts));
  traceprop::ContextScope scope(traceprop::TraceContext::NewRoot());
  LogLines(state, *logger);
}
BENCHMARK(BM_Spdlog_Json_InTrace);

// The core alone: the default pattern appended to a spdlog buffer.
void BM_LogPattern_AppendTo(benchmark::State& state) {
  traceprop::ContextScope scope(traceprop::TraceContext::NewRoot());
  spdlog::memory_buf_t buf;
  for (auto _ : state) {
    buf.clear();
    traceprop::logging::AppendTraceFields(buf);
    benchmark::DoNotOptimize(buf.data());
  }
}
BENCHMARK(BM_LogPattern_AppendTo);

}  // namespace
