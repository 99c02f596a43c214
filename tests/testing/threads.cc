#include "traceprop/tests/testing/threads.h"

#include <thread>

#include "absl/strings/str_cat.h"
#include "traceprop/context/current.h"

namespace traceprop {
namespace testing_support {

void StartGate::Open() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    open_ = true;
  }
  cv_.notify_all();
}

void StartGate::Wait() {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [this] { return open_; });
}

std::vector<TraceContext> RunUnderOwnTraces(
    int threads, const std::function<void(int index)>& body) {
  std::vector<TraceContext> contexts;
  for (int i = 0; i < threads; ++i) contexts.push_back(TraceContext::NewRoot());
  StartGate gate;
  std::vector<std::thread> running;
  for (int i = 0; i < threads; ++i) {
    running.emplace_back([&, i] {
      ContextScope scope(contexts[i]);
      gate.Wait();
      body(i);
    });
  }
  gate.Open();
  for (std::thread& t : running) t.join();
  return contexts;
}

std::string BracketedIds(const TraceContext& c) {
  return absl::StrCat("[", c.trace_id().ToHex(), "] [", c.span_id().ToHex(),
                      "]");
}

}  // namespace testing_support
}  // namespace traceprop
