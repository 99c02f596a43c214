// thread_pool: the trace follows the work. No gRPC.
//
// Three "requests" arrive with a traceparent header (one of them malformed).
// Each handler opens its span and hands work to
//  - a real thread pool, through traceprop::PropagateContext (wrap.h),
//  - a callback wrapped with a context saved earlier (wrap.h),
//  - a std::thread started with traceprop::MakeThread (wrap.h),
//  - a background queue, as a traceprop.v1.TraceContext in the job payload
//    (background.h), resumed by a worker as a child span or a new trace.
// Every piece of work checks that it runs under the context its submitter
// had, and the pool's workers are reused across requests, so a leak of one
// request's trace into the next would show. Prints one line per piece of
// work and a summary; exits 1 if any check failed.
//
//   build/examples/thread_pool/thread_pool

#include <condition_variable>
#include <cstdio>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "traceprop/context/background.h"
#include "traceprop/context/current.h"
#include "traceprop/context/proto_conversion.h"
#include "traceprop/context/trace_context.h"
#include "traceprop/context/wrap.h"

namespace {

// ThreadPool: a fixed set of workers draining one queue of closures. It
// knows nothing about tracing; PropagateContext adds that.
class ThreadPool {
 public:
  explicit ThreadPool(int threads) {
    for (int i = 0; i < threads; ++i) {
      workers_.emplace_back([this] { Work(); });
    }
  }
  ~ThreadPool() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    for (std::thread& t : workers_) t.join();
  }
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  void post(absl::AnyInvocable<void()> closure) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      queue_.push_back(std::move(closure));
    }
    cv_.notify_one();
  }

 private:
  void Work() {
    for (;;) {
      absl::AnyInvocable<void()> closure;
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
        if (queue_.empty()) return;
        closure = std::move(queue_.front());
        queue_.pop_front();
      }
      closure();
    }
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<absl::AnyInvocable<void()>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

// Results: every piece of work reports whether it saw what it expected;
// Wait() blocks until `expected` reports arrived.
class Results {
 public:
  void Report(bool ok) {
    std::lock_guard<std::mutex> lock(mu_);
    ++done_;
    if (!ok) ++failed_;
    cv_.notify_all();
  }
  void Wait(int expected) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return done_ >= expected; });
  }
  int done() {
    std::lock_guard<std::mutex> lock(mu_);
    return done_;
  }
  int failed() {
    std::lock_guard<std::mutex> lock(mu_);
    return failed_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int done_ = 0;
  int failed_ = 0;
};

Results results;
std::mutex print_mu;

// Log prints one line with a context's ids; `origin` is printed when valid.
void Log(const char* what, const traceprop::TraceContext& c,
         const traceprop::TraceContext& origin = traceprop::TraceContext()) {
  std::lock_guard<std::mutex> lock(print_mu);
  if (!c.IsValid()) {
    std::printf("%-14s (no trace)\n", what);
    return;
  }
  std::printf(
      "%-14s trace_id=%s span_id=%s parent=%s", what,
      c.trace_id().ToHex().c_str(), c.span_id().ToHex().c_str(),
      c.parent_span_id().IsValid() ? c.parent_span_id().ToHex().c_str() : "-");
  if (origin.IsValid()) {
    std::printf(" origin=%s-%s", origin.trace_id().ToHex().c_str(),
                origin.span_id().ToHex().c_str());
  }
  std::printf("\n");
}

// Check reports whether Current() is `expected` (compared by value, so it
// does not depend on the mechanism that installed it).
void Check(const char* what, const traceprop::TraceContext& expected) {
  const bool ok = traceprop::Current() == expected;
  if (!ok) {
    Log("MISMATCH want", expected);
    Log("MISMATCH got", traceprop::Current());
  }
  Log(what, traceprop::Current());
  results.Report(ok);
}

// Job: a background job as it would sit in a queue or a database row.
struct Job {
  std::string work;
  traceprop::TaskTrace mode;
  std::string trace;  // a serialized traceprop.v1.TraceContext
};

// JobQueue: jobs cross it as bytes; nothing thread-local survives.
class JobQueue {
 public:
  void Push(Job job) {
    std::lock_guard<std::mutex> lock(mu_);
    jobs_.push_back(std::move(job));
  }
  std::vector<Job> TakeAll() {
    std::lock_guard<std::mutex> lock(mu_);
    return std::exchange(jobs_, {});
  }

 private:
  std::mutex mu_;
  std::vector<Job> jobs_;
};

constexpr int kTasksPerRequest = 4;

// OnReply is a callback that must run in the context it was bound to.
void OnReply(const std::string& reply,
             const traceprop::TraceContext& expected) {
  Check(reply.c_str(), expected);
}

// HandleRequest is what a request handler does: continue the incoming
// trace (or start one when the header is bad), open a span, hand work out.
void HandleRequest(const std::string& traceparent,
                   traceprop::ContextPropagatingExecutor<ThreadPool&>& pool,
                   ThreadPool& raw_pool, JobQueue& queue,
                   std::vector<std::thread>& threads, int* expected_reports) {
  absl::StatusOr<traceprop::TraceContext> parsed =
      traceprop::TraceContext::FromHeaders(traceparent);
  if (!parsed.ok()) {
    std::printf("bad traceparent \"%s\": %s; starting a new trace\n",
                traceparent.c_str(),
                std::string(parsed.status().message()).c_str());
  }
  const traceprop::TraceContext incoming =
      parsed.ok() ? *parsed : traceprop::TraceContext();

  traceprop::ContextScope request(incoming);  // incoming is Current()
  traceprop::SpanScope span;                  // a child span of it
  Log("request", traceprop::Current());       // span's trace/span id
  const traceprop::TraceContext mine = span.context();

  // 1. The thread pool, through the decorator: each closure carries `mine`.
  for (int i = 0; i < kTasksPerRequest; ++i) {
    pool.post([mine] { Check("task", mine); });
  }

  // 2. Wrap by hand: a move-only closure, and a callback bound to a
  //    context saved earlier (here: the request's incoming context).
  auto payload = std::make_unique<std::string>("payload");
  auto task = traceprop::Wrap(
      [mine, payload = std::move(payload)] { Check(payload->c_str(), mine); });
  raw_pool.post(std::move(task));
  const traceprop::TraceContext saved_context = incoming;
  auto later = traceprop::Wrap(saved_context, &OnReply);
  raw_pool.post([later = std::move(later), saved_context] {
    later(std::string("reply"), saved_context);  // OnReply(reply, ...)
  });

  // 3. A thread that continues the span.
  threads.push_back(traceprop::MakeThread(
      [mine](int n) {
        (void)n;
        Check("audit", mine);
      },
      42));

  // 4. Background jobs, continued and as a new trace.
  for (traceprop::TaskTrace mode :
       {traceprop::TaskTrace::kContinue, traceprop::TaskTrace::kNewTrace}) {
    Job job{"reindex", mode, ""};
    traceprop::CurrentTaskPayload().SerializeToString(&job.trace);
    queue.Push(std::move(job));
  }
  *expected_reports += kTasksPerRequest + 3;
}  // previous context back

// RunJob is the background worker's side.
void RunJob(const Job& job, const traceprop::TraceContext& producer) {
  traceprop::v1::TraceContext trace;
  if (!trace.ParseFromString(job.trace)) trace.Clear();
  traceprop::TaskScope task(trace, job.mode);
  if (!task.status().ok()) {
    std::printf("bad payload: %s\n",
                std::string(task.status().message()).c_str());
  }
  const char* label = job.mode == traceprop::TaskTrace::kContinue
                          ? "job(continue)"
                          : "job(new trace)";
  Log(label, traceprop::Current(), task.origin());  // origin: the link
  const bool continued =
      traceprop::Current().trace_id() == producer.trace_id() &&
      traceprop::Current().parent_span_id() == producer.span_id();
  const bool linked = traceprop::Current().trace_id() != producer.trace_id() &&
                      task.origin().trace_id() == producer.trace_id() &&
                      task.origin().span_id() == producer.span_id();
  results.Report(
      task.status().ok() &&
      (job.mode == traceprop::TaskTrace::kContinue ? continued : linked));
}

}  // namespace

int main() {
  ThreadPool raw_pool(/*threads=*/2);                 // any closure executor
  auto pool = traceprop::PropagateContext(raw_pool);  // non-owning view
  JobQueue queue;
  std::vector<std::thread> threads;
  int expected_reports = 0;

  const std::string requests[] = {
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
      traceprop::TraceContext::NewRoot().ToTraceParent(),
      "00-not-a-valid-traceparent-01",
  };
  for (const std::string& traceparent : requests) {
    HandleRequest(traceparent, pool, raw_pool, queue, threads,
                  &expected_reports);
  }

  // Work submitted with no current context runs with none, although the
  // workers just ran the requests' tasks.
  for (int i = 0; i < 2; ++i) {
    pool.post([] { Check("no-context", traceprop::TraceContext()); });
  }
  expected_reports += 2;

  results.Wait(expected_reports);
  for (std::thread& t : threads) t.join();

  // The background worker: a thread of its own with no context, fed bytes.
  std::vector<Job> jobs = queue.TakeAll();
  std::thread worker([&jobs] {
    for (const Job& job : jobs) {
      traceprop::v1::TraceContext trace;
      trace.ParseFromString(job.trace);
      absl::StatusOr<traceprop::TraceContext> producer =
          traceprop::FromProto(trace);
      RunJob(job, producer.ok() ? *producer : traceprop::TraceContext());
    }
  });
  worker.join();
  expected_reports += static_cast<int>(jobs.size());

  // A corrupt payload never becomes a trace.
  {
    Job bad{"corrupt", traceprop::TaskTrace::kContinue, "\x0a\x03xyz"};
    traceprop::v1::TraceContext trace;
    trace.ParseFromString(bad.trace);
    traceprop::TaskScope task(trace);
    std::printf("bad payload: %s\n",
                std::string(task.status().message()).c_str());
    results.Report(!task.status().ok() && !task.origin().IsValid() &&
                   task.context().IsValid());
    ++expected_reports;
  }

  const int failed = results.failed();
  const int done = results.done();
  if (failed != 0 || done != expected_reports) {
    std::printf("thread_pool: FAILED: %d of %d checks failed (%d expected)\n",
                failed, done, expected_reports);
    return 1;
  }
  std::printf(
      "thread_pool: OK: all %d pieces of work ran under their "
      "submitter's context\n",
      done);
  return 0;
}
