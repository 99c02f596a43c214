#include "traceprop/spans/processor.h"

#include <pthread.h>

#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <utility>

#include "traceprop/spans/internal/span_data_pool.h"

namespace traceprop {
namespace {

// How often at most the worker prints "dropped N spans".
constexpr absl::Duration kDropReportInterval = absl::Seconds(10);

BatchSpanProcessor::Options Sanitise(BatchSpanProcessor::Options o) {
  const BatchSpanProcessor::Options d;
  if (o.max_queue_size == 0) o.max_queue_size = d.max_queue_size;
  if (o.max_export_batch_size == 0)
    o.max_export_batch_size = d.max_export_batch_size;
  if (o.max_export_batch_size > o.max_queue_size)
    o.max_export_batch_size = o.max_queue_size;
  if (o.schedule_delay <= absl::ZeroDuration() ||
      o.schedule_delay == absl::InfiniteDuration())
    o.schedule_delay = d.schedule_delay;
  if (o.export_timeout <= absl::ZeroDuration() ||
      o.export_timeout == absl::InfiniteDuration())
    o.export_timeout = d.export_timeout;
  return o;
}

}  // namespace

BatchSpanProcessor::BatchSpanProcessor(std::unique_ptr<SpanExporter> exporter,
                                       Options options)
    : options_(Sanitise(options)),
      exporter_(std::move(exporter)),
      last_drop_report_(absl::InfinitePast()),
      worker_([this] { Run(); }) {}

BatchSpanProcessor::~BatchSpanProcessor() { Shutdown(options_.export_timeout); }

void BatchSpanProcessor::OnEnd(std::unique_ptr<SpanData> span) {
  if (span == nullptr) return;
  if (shut_down_.load(std::memory_order_acquire)) {
    dropped_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  size_t size = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (queue_.size() < options_.max_queue_size) {
      queue_.push_back(std::move(span));
      size = queue_.size();
    }
  }
  if (size == 0) {
    // Full (a collector that is down): the span is dropped, and its memory
    // kept for the next one, as an exported span's is.
    dropped_.fetch_add(1, std::memory_order_relaxed);
    internal::RecycleSpanData(std::move(span));
    return;
  }
  enqueued_.fetch_add(1, std::memory_order_relaxed);
  // Wake the worker once per full batch, not once per span.
  if (size == options_.max_export_batch_size) wake_.notify_one();
}

bool BatchSpanProcessor::ForceFlush(absl::Duration timeout) {
  if (shut_down_.load(std::memory_order_acquire)) return false;
  std::unique_lock<std::mutex> lock(mu_);
  if (stopping_) return false;
  const uint64_t mine = ++flush_requested_;
  wake_.notify_one();
  return flushed_.wait_for(lock, absl::ToChronoNanoseconds(timeout),
                           [&] { return flush_done_ >= mine; });
}

bool BatchSpanProcessor::Shutdown(absl::Duration timeout) {
  std::lock_guard<std::mutex> shutdown_lock(shutdown_mu_);
  if (!worker_.joinable()) return true;
  shut_down_.store(true, std::memory_order_release);
  bool flushed;
  {
    std::unique_lock<std::mutex> lock(mu_);
    stopping_ = true;
    const uint64_t mine = ++flush_requested_;
    wake_.notify_one();
    flushed = flushed_.wait_for(lock, absl::ToChronoNanoseconds(timeout),
                                [&] { return flush_done_ >= mine; });
    if (!flushed) abandon_ = true;  // the worker drops what is still queued
  }
  // Past the deadline: interrupt the export in flight (a receiver that
  // never answers would otherwise hold us for the exporter's timeout).
  if (!flushed && exporter_ != nullptr) exporter_->Cancel();
  // The worker exits after its last drain, which Cancel (or else the
  // exporter's own deadline) bounds.
  worker_.join();
  {
    // A span that raced past OnEnd's shut_down_ check after the worker's
    // last drain: count it rather than lose it silently.
    std::lock_guard<std::mutex> lock(mu_);
    dropped_.fetch_add(queue_.size(), std::memory_order_relaxed);
    queue_.clear();
  }
  if (exporter_ != nullptr) exporter_->Shutdown();
  ReportDrops();
  return flushed;
}

BatchSpanProcessor::Stats BatchSpanProcessor::GetStats() const {
  Stats s;
  s.enqueued = enqueued_.load(std::memory_order_relaxed);
  s.dropped = dropped_.load(std::memory_order_relaxed);
  s.exported = exported_.load(std::memory_order_relaxed);
  s.export_failures = export_failures_.load(std::memory_order_relaxed);
  return s;
}

void BatchSpanProcessor::Run() {
#ifdef __linux__
  // Named, so that the exporter's CPU is visible per thread (top -H, perf).
  pthread_setname_np(pthread_self(), "traceprop-bsp");
#endif
  using Clock = std::chrono::steady_clock;
  const auto delay = absl::ToChronoNanoseconds(options_.schedule_delay);
  const size_t full = options_.max_export_batch_size;
  std::unique_lock<std::mutex> lock(mu_);
  Clock::time_point due = Clock::now() + delay;  // the next scheduled export
  while (true) {
    wake_.wait_until(lock, due, [&] {
      return stopping_ || queue_.size() >= full ||
             flush_requested_ > flush_done_;
    });
    // Full batches go at once. The rest waits for the schedule, a flush or
    // the shutdown, and then only what is queued now is owed: exporting
    // whatever arrived during the previous export made a busy process send
    // a stream of tiny batches, each paying a whole RPC (8 spans per export
    // in BM_UnaryExport). Everything queued before a flush request was
    // taken is in `owed`, so it is exported before the request is done.
    const uint64_t flush_target = flush_requested_;
    const bool stop = stopping_;
    const bool scheduled = Clock::now() >= due;
    size_t owed =
        stop || scheduled || flush_target > flush_done_ ? queue_.size() : 0;
    while (queue_.size() >= full || owed > 0 || (stop && !queue_.empty())) {
      if (abandon_) {
        // Shutdown's deadline passed: no more exports, count the rest.
        std::deque<std::unique_ptr<SpanData>> rest;
        rest.swap(queue_);
        dropped_.fetch_add(rest.size(), std::memory_order_relaxed);
        owed = 0;
        lock.unlock();
        rest.clear();
        lock.lock();
        continue;
      }
      std::vector<std::unique_ptr<SpanData>> batch;
      size_t n = std::min(queue_.size(), full);
      owed -= std::min(owed, n);
      batch.reserve(n);
      for (size_t i = 0; i < n; ++i) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      lock.unlock();
      ExportBatch(batch);
      // Outside the lock: what the exporter left is reused by the next
      // spans recorded (internal/span_data_pool.h).
      internal::RecycleSpanData(batch);
      lock.lock();
    }
    if (scheduled) due = Clock::now() + delay;
    if (flush_target > flush_done_) {
      flush_done_ = flush_target;
      flushed_.notify_all();
    }
    if (dropped_.load(std::memory_order_relaxed) != dropped_reported_) {
      lock.unlock();
      ReportDrops();
      lock.lock();
    }
    if (stop && queue_.empty()) break;
  }
}

void BatchSpanProcessor::ExportBatch(
    std::vector<std::unique_ptr<SpanData>>& batch) {
  ExportResult result = exporter_ != nullptr ? exporter_->Export(batch)
                                             : ExportResult::kFailure;
  if (result == ExportResult::kSuccess) {
    exported_.fetch_add(batch.size(), std::memory_order_relaxed);
  } else {
    export_failures_.fetch_add(batch.size(), std::memory_order_relaxed);
  }
}

// Runs on the worker, or in Shutdown after the worker has been joined.
void BatchSpanProcessor::ReportDrops() {
  const uint64_t dropped = dropped_.load(std::memory_order_relaxed);
  if (dropped == dropped_reported_) return;
  const absl::Time now = absl::Now();
  if (!shut_down_.load(std::memory_order_relaxed) &&
      now - last_drop_report_ < kDropReportInterval)
    return;
  std::fprintf(stderr,
               "traceprop: span processor dropped %" PRIu64
               " spans (%" PRIu64 " in all): queue full (max_queue_size=%zu)"
               " or shut down\n",
               dropped - dropped_reported_, dropped, options_.max_queue_size);
  dropped_reported_ = dropped;
  last_drop_report_ = now;
}

}  // namespace traceprop
