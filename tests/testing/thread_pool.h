// Test support: a small fixed-size thread pool, for tests that need real
// worker threads (executor shapes, reused workers, concurrent submitters).
//
//   traceprop::testing_support::ThreadPool pool(/*threads=*/2);
//   pool.post([] { ... });   // any void() closure, move-only ones too
//   // The destructor runs every queued closure, then joins the workers.
//
// Synchronisation is std::mutex / std::condition_variable, which
// ThreadSanitizer sees (the system Abseil is not instrumented).

#ifndef TRACEPROP_TESTS_TESTING_THREAD_POOL_H_
#define TRACEPROP_TESTS_TESTING_THREAD_POOL_H_

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/functional/any_invocable.h"

namespace traceprop {
namespace testing_support {

// ThreadPool runs posted closures on `threads` worker threads, in posting
// order per worker. Thread-safe. Destruction drains the queue and joins.
class ThreadPool {
 public:
  explicit ThreadPool(int threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  // post queues `closure` for a worker.
  void post(absl::AnyInvocable<void()> closure);

 private:
  void Run();

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<absl::AnyInvocable<void()>> queue_;
  bool done_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace testing_support
}  // namespace traceprop

#endif  // TRACEPROP_TESTS_TESTING_THREAD_POOL_H_
