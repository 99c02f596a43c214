// Tests for PropagateContext / ContextPropagatingExecutor (traceprop/context/
// wrap.h) over several executor shapes.

#include "traceprop/context/wrap.h"

#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "gtest/gtest.h"
#include "traceprop/context/current.h"
#include "traceprop/tests/testing/thread_pool.h"
#include "traceprop/tests/testing/threads.h"

namespace traceprop {
namespace {

using testing_support::StartGate;

// Shape 1: a real thread pool with post(std::function<void()>) (copyable
// closures only).
class PostPool {
 public:
  explicit PostPool(int threads) : pool_(threads) {}
  void post(std::function<void()> f) { pool_.post(std::move(f)); }

 private:
  testing_support::ThreadPool pool_;
};

// Shape 2: submit(F) returning a std::future of the closure's result,
// running on one worker thread; accepts move-only closures.
class FutureExecutor {
 public:
  template <typename F>
  std::future<std::invoke_result_t<F&>> submit(F f) {
    std::packaged_task<std::invoke_result_t<F&>()> task(std::move(f));
    auto future = task.get_future();
    worker_.post(std::move(task));
    return future;
  }

 private:
  testing_support::ThreadPool worker_{1};
};

// Shape 3: Schedule(absl::AnyInvocable<void()>) queued and run later by
// RunAll() on whatever thread calls it (an event loop).
class ManualScheduler {
 public:
  void Schedule(absl::AnyInvocable<void()> f) {
    queue_.push_back(std::move(f));
  }
  int RunAll() {
    int n = 0;
    while (!queue_.empty()) {
      absl::AnyInvocable<void()> f = std::move(queue_.front());
      queue_.pop_front();
      f();
      ++n;
    }
    return n;
  }

 private:
  std::deque<absl::AnyInvocable<void()>> queue_;
};

// Shape 4: add() and execute() that run inline.
struct InlineExecutor {
  void add(const std::function<void()>& f) { f(); }
  bool execute(std::function<void()> f) {
    f();
    return true;
  }
};

TEST(ExecutorTest, PostRunsUnderTheSubmittersContext) {
  PostPool raw(2);
  auto pool = PropagateContext(raw);
  const TraceContext request = TraceContext::NewRoot();
  std::promise<TraceContext> seen;
  {
    ContextScope scope(request);
    pool.post([&seen] { seen.set_value(Current()); });
  }
  EXPECT_EQ(seen.get_future().get(), request);
  EXPECT_FALSE(Current().IsValid());
}

TEST(ExecutorTest, SubmitReturnsTheClosuresResultAndTakesMoveOnly) {
  ContextPropagatingExecutor<FutureExecutor> executor;  // owning
  SpanScope span;
  auto owned = std::make_unique<int>(5);
  std::future<std::pair<int, TraceContext>> result = executor.submit(
      [p = std::move(owned)] { return std::make_pair(*p, Current()); });
  auto [value, seen] = result.get();
  EXPECT_EQ(value, 5);
  EXPECT_EQ(seen, span.context());
}

TEST(ExecutorTest, ScheduleCarriesSubmissionTimeContextNotRunTime) {
  ManualScheduler loop;
  ContextPropagatingExecutor<ManualScheduler&> scheduler(loop);
  const TraceContext a = TraceContext::NewRoot(), b = TraceContext::NewRoot();
  std::vector<TraceContext> seen;
  {
    ContextScope scope(a);
    scheduler.Schedule([&seen] { seen.push_back(Current()); });
  }
  {
    ContextScope scope(b);
    scheduler.Schedule([&seen] { seen.push_back(Current()); });
  }
  scheduler.Schedule([&seen] { seen.push_back(Current()); });  // none

  const TraceContext run_time = TraceContext::NewRoot();
  ContextScope scope(run_time);
  ASSERT_EQ(scheduler.executor().RunAll(), 3);
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0], a);
  EXPECT_EQ(seen[1], b);
  EXPECT_FALSE(seen[2].IsValid());  // the run-time context is hidden
  EXPECT_EQ(Current(), run_time);   // and restored after each closure
}

TEST(ExecutorTest, AddAndExecuteReturnWhatTheExecutorReturns) {
  InlineExecutor raw;
  auto executor = PropagateContext(raw);
  const TraceContext given = TraceContext::NewRoot();
  ContextScope scope(given);
  TraceContext via_add, via_execute;
  executor.add([&via_add] { via_add = Current(); });
  bool accepted = executor.execute([&] { via_execute = Current(); });
  EXPECT_TRUE(accepted);
  EXPECT_EQ(via_add, given);
  EXPECT_EQ(via_execute, given);
}

// One worker reused for a sequence of tasks with different contexts, some
// with none: no task ever sees another task's context, and a closure posted
// around the decorator afterwards sees the worker's own (no) context.
TEST(ExecutorTest, ReusedWorkerNeverLeaksOneTasksContextIntoTheNext) {
  PostPool raw(1);
  auto pool = PropagateContext(raw);
  constexpr int kTasks = 200;
  std::vector<TraceContext> expected(kTasks), seen(kTasks);
  std::promise<void> all_done;
  for (int i = 0; i < kTasks; ++i) {
    auto task = [&seen, &all_done, i] {
      seen[i] = Current();
      if (i == kTasks - 1) all_done.set_value();
    };
    if (i % 3 == 0) {
      pool.post(task);  // no context at submission
    } else {
      expected[i] = TraceContext::NewRoot();
      ContextScope scope(expected[i]);
      SpanScope span;  // submitted from inside a span
      expected[i] = span.context();
      pool.post(task);
    }
  }
  all_done.get_future().get();
  for (int i = 0; i < kTasks; ++i) {
    EXPECT_EQ(seen[i], expected[i]) << "task " << i;
  }
  std::promise<bool> raw_valid;
  raw.post([&raw_valid] { raw_valid.set_value(Current().IsValid()); });
  EXPECT_FALSE(raw_valid.get_future().get());
}

// Many submitting threads, each with its own context, sharing one pool.
TEST(ExecutorTest, ConcurrentSubmittersEachGetTheirOwnContext) {
  PostPool raw(2);
  auto pool = PropagateContext(raw);
  constexpr int kSubmitters = 6;
  constexpr int kPerSubmitter = 200;
  std::mutex mu;
  int mismatches = 0;
  int completed = 0;
  std::condition_variable cv;
  StartGate start;
  std::vector<std::thread> submitters;
  for (int s = 0; s < kSubmitters; ++s) {
    submitters.emplace_back([&] {
      start.Wait();
      for (int i = 0; i < kPerSubmitter; ++i) {
        SpanScope span;
        TraceContext mine = span.context();
        pool.post([&, mine] {
          bool ok = Current() == mine;
          std::lock_guard<std::mutex> lock(mu);
          if (!ok) ++mismatches;
          ++completed;
          cv.notify_all();
        });
      }
    });
  }
  start.Open();
  for (std::thread& t : submitters) t.join();
  std::unique_lock<std::mutex> lock(mu);
  cv.wait(lock, [&] { return completed == kSubmitters * kPerSubmitter; });
  EXPECT_EQ(mismatches, 0);
}

}  // namespace
}  // namespace traceprop
