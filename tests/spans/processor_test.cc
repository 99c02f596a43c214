#include "traceprop/spans/processor.h"

#include <pthread.h>

#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace traceprop {
namespace {

std::unique_ptr<SpanData> NewSpan(int i) {
  auto s = std::make_unique<SpanData>();
  s->name = "s" + std::to_string(i);
  return s;
}

// An exporter that records batch sizes, can be told to fail, and can be
// held inside Export until released. Thread-safe.
class TestExporter final : public SpanExporter {
 public:
  struct State {
    std::mutex mu;
    std::condition_variable cv;
    std::vector<size_t> batches;
    std::vector<std::string> names;
    std::vector<std::string> thread_names;  // of each Export's thread
    bool hold = false;
    int releases = 0;  // while holding: exports let through, one each
    int entered = 0;   // Export calls begun
    bool inside = false;
    bool fail = false;
    bool shut_down = false;
  };
  explicit TestExporter(std::shared_ptr<State> state)
      : state_(std::move(state)) {}
  ExportResult Export(
      const std::vector<std::unique_ptr<SpanData>>& batch) override {
    std::unique_lock<std::mutex> lock(state_->mu);
    state_->inside = true;
    ++state_->entered;
    state_->cv.notify_all();
    state_->cv.wait(lock, [&] { return !state_->hold || state_->releases > 0; });
    if (state_->hold) --state_->releases;
    state_->inside = false;
    state_->batches.push_back(batch.size());
    for (const auto& s : batch) state_->names.push_back(s->name);
#ifdef __linux__
    char thread_name[16] = {};
    pthread_getname_np(pthread_self(), thread_name, sizeof thread_name);
    state_->thread_names.push_back(thread_name);
#endif
    state_->cv.notify_all();  // waiters on `batches`
    return state_->fail ? ExportResult::kFailure : ExportResult::kSuccess;
  }
  void Shutdown() override {
    std::lock_guard<std::mutex> lock(state_->mu);
    state_->shut_down = true;
  }

 private:
  std::shared_ptr<State> state_;
};

BatchSpanProcessor::Options Small() {
  BatchSpanProcessor::Options o;
  o.max_queue_size = 8;
  o.max_export_batch_size = 4;
  o.schedule_delay = absl::Hours(1);  // export only on full batch or flush
  return o;
}

TEST(BatchSpanProcessor, ExportsInBatchesInOrderOnForceFlush) {
  auto state = std::make_shared<TestExporter::State>();
  BatchSpanProcessor p(std::make_unique<TestExporter>(state), Small());
  for (int i = 0; i < 6; ++i) p.OnEnd(NewSpan(i));
  p.OnEnd(nullptr);  // ignored
  ASSERT_TRUE(p.ForceFlush(absl::Seconds(30)));
  {
    std::lock_guard<std::mutex> lock(state->mu);
    size_t total = 0;
    for (size_t b : state->batches) {
      EXPECT_LE(b, 4u);
      total += b;
    }
    EXPECT_EQ(total, 6u);
    ASSERT_EQ(state->names.size(), 6u);
    for (int i = 0; i < 6; ++i) EXPECT_EQ(state->names[i], "s" + std::to_string(i));
  }
  BatchSpanProcessor::Stats s = p.GetStats();
  EXPECT_EQ(s.enqueued, 6u);
  EXPECT_EQ(s.exported, 6u);
  EXPECT_EQ(s.dropped, 0u);
}

#ifdef __linux__
TEST(BatchSpanProcessor, ExportsFromAThreadNamedForIt) {
  auto state = std::make_shared<TestExporter::State>();
  BatchSpanProcessor p(std::make_unique<TestExporter>(state), Small());
  p.OnEnd(NewSpan(0));
  ASSERT_TRUE(p.ForceFlush(absl::Seconds(30)));
  std::lock_guard<std::mutex> lock(state->mu);
  ASSERT_EQ(state->thread_names.size(), 1u);
  EXPECT_EQ(state->thread_names[0], "traceprop-bsp");
}
#endif

TEST(BatchSpanProcessor, FullQueueDropsAndCountsWithoutBlocking) {
  auto state = std::make_shared<TestExporter::State>();
  state->hold = true;
  BatchSpanProcessor p(std::make_unique<TestExporter>(state), Small());
  // One full batch wakes the worker, which then sits inside Export.
  for (int i = 0; i < 4; ++i) p.OnEnd(NewSpan(i));
  {
    std::unique_lock<std::mutex> lock(state->mu);
    ASSERT_TRUE(state->cv.wait_for(lock, std::chrono::seconds(30),
                                   [&] { return state->inside; }));
  }
  // The queue (8) fills while the exporter is stuck; 5 more are dropped.
  for (int i = 4; i < 17; ++i) p.OnEnd(NewSpan(i));
  EXPECT_EQ(p.GetStats().dropped, 5u);
  // A flush cannot finish while the exporter is held: bounded by its timeout.
  EXPECT_FALSE(p.ForceFlush(absl::Milliseconds(50)));
  {
    std::lock_guard<std::mutex> lock(state->mu);
    state->hold = false;
  }
  state->cv.notify_all();
  ASSERT_TRUE(p.ForceFlush(absl::Seconds(30)));
  BatchSpanProcessor::Stats s = p.GetStats();
  EXPECT_EQ(s.enqueued, 12u);
  EXPECT_EQ(s.exported, 12u);
  EXPECT_EQ(s.dropped, 5u);
}

// Spans that arrive while a full batch is being exported wait for a full
// batch, the schedule or a flush; they do not go out at once as a small
// batch of their own (a busy process would send a stream of tiny exports).
TEST(BatchSpanProcessor, WhatArrivesDuringAnExportWaitsForAFullBatch) {
  auto state = std::make_shared<TestExporter::State>();
  state->hold = true;
  BatchSpanProcessor p(std::make_unique<TestExporter>(state), Small());
  auto wait_for = [&](auto done) {
    std::unique_lock<std::mutex> lock(state->mu);
    return state->cv.wait_for(lock, std::chrono::seconds(30), done);
  };
  for (int i = 0; i < 4; ++i) p.OnEnd(NewSpan(i));  // full: exported
  ASSERT_TRUE(wait_for([&] { return state->entered == 1; }));
  for (int i = 4; i < 6; ++i) p.OnEnd(NewSpan(i));  // during that export
  {
    std::lock_guard<std::mutex> lock(state->mu);
    state->releases = 1;  // the first export ends; any next one is held
  }
  state->cv.notify_all();
  ASSERT_TRUE(wait_for([&] { return state->batches.size() == 1; }));
  // Two more make a full batch with the two that waited: the next export
  // is of four, not of the two alone.
  for (int i = 6; i < 8; ++i) p.OnEnd(NewSpan(i));
  ASSERT_TRUE(wait_for([&] { return state->entered == 2; }));
  {
    std::lock_guard<std::mutex> lock(state->mu);
    state->hold = false;
  }
  state->cv.notify_all();
  ASSERT_TRUE(p.ForceFlush(absl::Seconds(30)));
  std::lock_guard<std::mutex> lock(state->mu);
  EXPECT_EQ(state->batches, (std::vector<size_t>{4, 4}));
  ASSERT_EQ(state->names.size(), 8u);
  for (int i = 0; i < 8; ++i) EXPECT_EQ(state->names[i], "s" + std::to_string(i));
}

TEST(BatchSpanProcessor, FailuresAreCounted) {
  auto state = std::make_shared<TestExporter::State>();
  state->fail = true;
  BatchSpanProcessor p(std::make_unique<TestExporter>(state), Small());
  for (int i = 0; i < 3; ++i) p.OnEnd(NewSpan(i));
  ASSERT_TRUE(p.ForceFlush(absl::Seconds(30)));
  EXPECT_EQ(p.GetStats().export_failures, 3u);
  EXPECT_EQ(p.GetStats().exported, 0u);
}

TEST(BatchSpanProcessor, ShutdownFlushesThenDropsAndIsIdempotent) {
  auto state = std::make_shared<TestExporter::State>();
  BatchSpanProcessor p(std::make_unique<TestExporter>(state), Small());
  for (int i = 0; i < 3; ++i) p.OnEnd(NewSpan(i));
  ASSERT_TRUE(p.Shutdown(absl::Seconds(30)));
  {
    std::lock_guard<std::mutex> lock(state->mu);
    EXPECT_EQ(state->names.size(), 3u);
    EXPECT_TRUE(state->shut_down);
  }
  p.OnEnd(NewSpan(9));
  EXPECT_EQ(p.GetStats().dropped, 1u);
  EXPECT_FALSE(p.ForceFlush(absl::Seconds(1)));
  EXPECT_TRUE(p.Shutdown(absl::Seconds(1)));
}

TEST(BatchSpanProcessor, ScheduleDelayExportsWithoutFlush) {
  auto state = std::make_shared<TestExporter::State>();
  BatchSpanProcessor::Options o = Small();
  o.schedule_delay = absl::Milliseconds(10);
  BatchSpanProcessor p(std::make_unique<TestExporter>(state), o);
  p.OnEnd(NewSpan(0));  // far below a batch: only the timer exports it
  std::unique_lock<std::mutex> lock(state->mu);
  EXPECT_TRUE(state->cv.wait_for(lock, std::chrono::seconds(30), [&] {
    return state->inside || !state->names.empty();
  }));
}

TEST(BatchSpanProcessor, ConcurrentProducersLoseNothingBelowTheBound) {
  auto state = std::make_shared<TestExporter::State>();
  BatchSpanProcessor::Options o;
  o.max_queue_size = 100000;
  o.max_export_batch_size = 256;
  BatchSpanProcessor p(std::make_unique<TestExporter>(state), o);
  constexpr int kThreads = 4, kPerThread = 5000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&p] {
      for (int i = 0; i < kPerThread; ++i) p.OnEnd(NewSpan(i));
    });
  }
  for (auto& t : threads) t.join();
  ASSERT_TRUE(p.ForceFlush(absl::Seconds(60)));
  BatchSpanProcessor::Stats s = p.GetStats();
  EXPECT_EQ(s.enqueued, uint64_t{kThreads * kPerThread});
  EXPECT_EQ(s.dropped, 0u);
  EXPECT_EQ(s.exported, uint64_t{kThreads * kPerThread});
}

TEST(BatchSpanProcessor, BadOptionsFallBackToDefaults) {
  BatchSpanProcessor::Options o;
  o.max_queue_size = 0;
  o.max_export_batch_size = 100000;
  o.schedule_delay = -absl::Seconds(1);
  o.export_timeout = absl::ZeroDuration();
  BatchSpanProcessor p(nullptr, o);
  EXPECT_EQ(p.options().max_queue_size, 2048u);
  EXPECT_EQ(p.options().max_export_batch_size, 2048u);
  EXPECT_EQ(p.options().schedule_delay, absl::Seconds(5));
  EXPECT_EQ(p.options().export_timeout, absl::Seconds(30));
  p.OnEnd(NewSpan(0));
  ASSERT_TRUE(p.ForceFlush(absl::Seconds(30)));
  EXPECT_EQ(p.GetStats().export_failures, 1u);  // no exporter
}

}  // namespace
}  // namespace traceprop
