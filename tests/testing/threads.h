// Test support: starting threads together, the "threads each under their
// own trace" harness the concurrency tests share, and the ids as the
// default log pattern prints them.
//
//   std::vector<traceprop::TraceContext> traces =
//       traceprop::testing_support::RunUnderOwnTraces(4, [&](int i) {
//         for (int k = 0; k < 100; ++k) logger->info("thread {}", i);
//       });
//   // Every line logged by thread i must carry traces[i]'s ids.
//
// Synchronisation is std::mutex / std::condition_variable / std::thread
// only, which ThreadSanitizer sees (the system Abseil is not instrumented).

#ifndef TRACEPROP_TESTS_TESTING_THREADS_H_
#define TRACEPROP_TESTS_TESTING_THREADS_H_

#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "traceprop/context/trace_context.h"

namespace traceprop {
namespace testing_support {

// StartGate holds every thread that calls Wait() until Open() is called;
// threads that call Wait() afterwards pass straight through. Thread-safe.
class StartGate {
 public:
  void Open();
  void Wait();

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
};

// RunUnderOwnTraces starts `threads` threads; thread i makes a new root
// context its current context, waits until all threads have started, and
// runs body(i). Returns when every thread has finished, with the contexts
// (element i is thread i's). Each body runs under its own scope, which is
// closed before the thread ends.
std::vector<TraceContext> RunUnderOwnTraces(
    int threads, const std::function<void(int index)>& body);

// BracketedIds returns "[<trace-id hex>] [<span-id hex>]" for `c`: what the
// default log pattern puts in a line (written here independently of
// logging/).
std::string BracketedIds(const TraceContext& c);

}  // namespace testing_support
}  // namespace traceprop

#endif  // TRACEPROP_TESTS_TESTING_THREADS_H_
