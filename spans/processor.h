// traceprop/spans/processor.h — where ended spans go: processors and the
// exporter interface.
//
// A RecordingSpan hands its SpanData to the installed provider's
// SpanProcessor when it ends. BatchSpanProcessor is the one to use: it
// queues spans (bounded; a full queue drops and counts, recording never
// blocks), and a background thread hands batches to a SpanExporter (OTLP
// over gRPC, OTLP JSON lines: exporters/). From tests/spans:
//
//   BatchSpanProcessor::Options options;
//   options.max_queue_size = 2048;
//   auto processor = std::make_unique<BatchSpanProcessor>(
//       std::make_unique<MyExporter>(), options);
//   ...
//   processor->ForceFlush(absl::Seconds(5));   // everything queued exported
//   BatchSpanProcessor::Stats s = processor->GetStats();   // s.dropped ...
//   processor->Shutdown(absl::Seconds(5));

#ifndef TRACEPROP_SPANS_PROCESSOR_H_
#define TRACEPROP_SPANS_PROCESSOR_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/time/time.h"
#include "traceprop/spans/span_data.h"

namespace traceprop {

// ExportResult is what an exporter reports for one batch.
enum class ExportResult {
  kSuccess,
  kFailure,  // the batch is lost (after the exporter's own retries)
};

// SpanExporter sends batches of spans somewhere. Export and Shutdown are
// called from one thread at a time (the processor's); Cancel may be called
// from any thread, concurrently with Export. Implementations bound every
// call by their own deadline.
class SpanExporter {
 public:
  virtual ~SpanExporter() = default;

  // Export sends `batch` (never empty). The spans are the exporter's to
  // read during the call only: afterwards the processor reuses them. A
  // span's attributes are read with SpanData::ForEachAttribute (an RPC
  // span's are typed, in SpanData::rpc). Must not block longer than the
  // exporter's configured timeout.
  virtual ExportResult Export(
      const std::vector<std::unique_ptr<SpanData>>& batch) = 0;

  // Shutdown releases resources; Export is not called afterwards.
  virtual void Shutdown() {}

  // Cancel makes an Export in progress return promptly (kFailure), and
  // every later one fail at once: a processor whose Shutdown deadline
  // passed calls it so that a slow or silent receiver cannot hold the
  // process. Thread-safe, idempotent. The default does nothing (the export
  // then ends at the exporter's own deadline).
  virtual void Cancel() {}
};

// SpanProcessor receives every ended span of a provider. Thread-safe.
class SpanProcessor {
 public:
  virtual ~SpanProcessor() = default;

  // OnEnd takes an ended span. Must never block for long (it runs on RPC
  // threads). Null is ignored.
  virtual void OnEnd(std::unique_ptr<SpanData> span) = 0;

  // ForceFlush exports everything handed over before the call; false when
  // `timeout` passed first or after Shutdown.
  virtual bool ForceFlush(absl::Duration timeout) = 0;

  // Shutdown flushes (bounded by `timeout`), stops, and shuts the exporter
  // down; spans ended afterwards are dropped and counted. Idempotent; false
  // when the flush did not complete.
  // BatchSpanProcessor: when `timeout` passes first, the export in flight
  // is cancelled (SpanExporter::Cancel; its spans count as export_failures)
  // and spans still queued are dropped (counted), so Shutdown returns soon
  // after `timeout` even when the receiver never answers.
  virtual bool Shutdown(absl::Duration timeout) = 0;
};

// BatchSpanProcessorOptions: the OpenTelemetry BSP settings (OTEL_BSP_*),
// same defaults. Out-of-range values (0 sizes, non-positive or infinite
// durations) are replaced by the defaults; max_export_batch_size is capped
// at max_queue_size.
struct BatchSpanProcessorOptions {
  size_t max_queue_size = 2048;
  // A full batch (max_export_batch_size) is exported at once; fewer spans
  // wait at most this long (or for ForceFlush / Shutdown).
  absl::Duration schedule_delay = absl::Milliseconds(5000);
  absl::Duration export_timeout = absl::Milliseconds(30000);
  size_t max_export_batch_size = 512;
};

// BatchSpanProcessor queues ended spans and exports them in batches from
// one background thread (started by the constructor; on Linux it is named
// "traceprop-bsp", as top -H, perf and gdb show it). Thread-safe.
class BatchSpanProcessor final : public SpanProcessor {
 public:
  using Options = BatchSpanProcessorOptions;

  // Stats are cumulative counts since construction. Once Shutdown has
  // returned, every span handed to OnEnd is in exactly one of dropped,
  // exported and export_failures.
  struct Stats {
    uint64_t enqueued = 0;  // accepted into the queue
    // never handed to the exporter: queue full, ended after Shutdown, or
    // still queued when Shutdown's deadline passed
    uint64_t dropped = 0;
    uint64_t exported = 0;         // in batches the exporter accepted
    uint64_t export_failures = 0;  // spans in batches that failed
  };

  // BatchSpanProcessor takes ownership of `exporter` (null: spans are
  // queued and discarded, counted as failures).
  explicit BatchSpanProcessor(std::unique_ptr<SpanExporter> exporter,
                              Options options = Options());
  // The destructor is Shutdown(export_timeout).
  ~BatchSpanProcessor() override;

  BatchSpanProcessor(const BatchSpanProcessor&) = delete;
  BatchSpanProcessor& operator=(const BatchSpanProcessor&) = delete;

  void OnEnd(std::unique_ptr<SpanData> span) override;
  bool ForceFlush(absl::Duration timeout) override;
  bool Shutdown(absl::Duration timeout) override;

  // GetStats reads the counters (relaxed; each is exact, the set is not a
  // snapshot). Thread-safe, lock-free.
  Stats GetStats() const;

  // options returns the effective (sanitised) options.
  const Options& options() const { return options_; }

 private:
  void Run();
  void ExportBatch(std::vector<std::unique_ptr<SpanData>>& batch);
  void ReportDrops();

  const Options options_;
  const std::unique_ptr<SpanExporter> exporter_;

  std::mutex mu_;
  std::condition_variable wake_;       // the worker waits on it
  std::condition_variable flushed_;    // ForceFlush waits on it
  std::deque<std::unique_ptr<SpanData>> queue_ ABSL_GUARDED_BY(mu_);
  uint64_t flush_requested_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t flush_done_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool abandon_ ABSL_GUARDED_BY(mu_) = false;  // Shutdown's deadline passed
  std::atomic<bool> shut_down_{false};
  std::mutex shutdown_mu_;  // serialises Shutdown callers (join once)

  std::atomic<uint64_t> enqueued_{0};
  std::atomic<uint64_t> dropped_{0};
  std::atomic<uint64_t> exported_{0};
  std::atomic<uint64_t> export_failures_{0};
  uint64_t dropped_reported_ = 0;          // worker thread only
  absl::Time last_drop_report_;            // worker thread only

  std::thread worker_;  // last: started after everything above exists
};

}  // namespace traceprop

#endif  // TRACEPROP_SPANS_PROCESSOR_H_
