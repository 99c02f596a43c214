#include "traceprop/tests/testing/thread_pool.h"

#include <utility>

namespace traceprop {
namespace testing_support {

ThreadPool::ThreadPool(int threads) {
  for (int i = 0; i < threads; ++i) workers_.emplace_back([this] { Run(); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    done_ = true;
  }
  cv_.notify_all();
  for (std::thread& t : workers_) t.join();
}

void ThreadPool::post(absl::AnyInvocable<void()> closure) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    queue_.push_back(std::move(closure));
  }
  cv_.notify_one();
}

void ThreadPool::Run() {
  for (;;) {
    absl::AnyInvocable<void()> closure;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return done_ || !queue_.empty(); });
      if (queue_.empty()) return;
      closure = std::move(queue_.front());
      queue_.pop_front();
    }
    closure();
  }
}

}  // namespace testing_support
}  // namespace traceprop
