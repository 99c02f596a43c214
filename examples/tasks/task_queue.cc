// task_queue — a background task queue whose jobs carry their trace.
//
//   task_queue --port 0 --workers 3     # prints "listening on 127.0.0.1:PORT"
//
// Enqueue runs under its server span (traceprop::EnableTracing), opens a
// PRODUCER span "publish jobs" and puts that context into the job, as a
// traceprop.v1.TraceContext message (traceprop::CurrentTaskPayload()). The
// RPC returns at once. A pool of worker threads — which have no context of
// their own — resumes each job with traceprop::TaskSpan (a CONSUMER span
// "process jobs", recorded when tracing is on), choosing per job:
//   CONTINUE               the work is a child span in the request's trace;
//   NEW_TRACE_WITH_ORIGIN  the work starts its own trace and logs where it
//                          came from (origin trace and span ids).
// Every log line of the workers carries the job's trace.
//
// Stops cleanly on SIGINT/SIGTERM: the workers finish the queued jobs,
// then the spans are flushed. Spans are exported when OTEL_* variables ask
// for it (../relay/example_tracing.h).

#include <grpcpp/grpcpp.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "spdlog/sinks/stdout_color_sinks.h"
#include "spdlog/spdlog.h"
#include "traceprop/context/background.h"
#include "traceprop/context/current.h"
#include "traceprop/examples/proto/tasks.grpc.pb.h"
#include "traceprop/interceptors/tracing.h"
#include "traceprop/logging/spdlog_setup.h"
#include "traceprop/spans/span.h"
#include "traceprop/spans/task_span.h"

// Printable: escapes text from the network before it is logged.
#include "../relay/example_tracing.h"
#include "../relay/relay_common.h"

ABSL_FLAG(int, port, 0, "port to listen on (127.0.0.1); 0 picks a free one");
ABSL_FLAG(std::string, name, "tasks", "logger name");
ABSL_FLAG(int, workers, 2, "worker threads");
ABSL_FLAG(int, max_pending, 10000, "queued jobs at most; more are refused");
ABSL_FLAG(int, keep_results, 1000, "results kept for Wait, newest first");
ABSL_FLAG(int, keep_result_mib, 16, "work text kept in results, MiB");
ABSL_FLAG(int, grace_ms, 2000,
          "on SIGTERM: how long in-flight calls may finish before they are "
          "cancelled");

namespace {

using traceprop::examples::DrainReply;
using traceprop::examples::DrainRequest;
using traceprop::examples::EnqueueReply;
using traceprop::examples::EnqueueRequest;
using traceprop::examples::Job;
using traceprop::examples::JobResult;
using traceprop::examples::Tasks;
using traceprop::examples::WaitRequest;
using traceprop_examples::Hex;

// JobQueue is the queue plus the results. Thread-safe. Its state is bounded:
// at most `max_pending` queued jobs (Push refuses more), and the results of
// the most recent jobs only — at most `keep_results` of them and
// `keep_bytes` bytes of work text; older results are forgotten, oldest
// first, and waiting for one says so.
class JobQueue {
 public:
  enum class Wait { kDone, kTimeout, kUnknown, kForgotten, kStopping };

  JobQueue(size_t max_pending, size_t keep_results, size_t keep_bytes)
      : max_pending_(max_pending),
        keep_results_(keep_results),
        keep_bytes_(keep_bytes) {}

  // Push queues `job` and returns its id; 0 when the queue is full.
  uint64_t Push(Job job) {
    std::lock_guard<std::mutex> lock(mu_);
    if (pending_.size() >= max_pending_) return 0;
    uint64_t id = ++last_id_;
    pending_.push_back({id, std::move(job)});
    work_cv_.notify_one();
    return id;
  }

  // Pop blocks for the next job; false once closed and empty.
  bool Pop(uint64_t* id, Job* job) {
    std::unique_lock<std::mutex> lock(mu_);
    work_cv_.wait(lock, [&] { return closed_ || !pending_.empty(); });
    if (pending_.empty()) return false;
    *id = pending_.front().first;
    *job = std::move(pending_.front().second);
    pending_.pop_front();
    running_.insert(*id);
    return true;
  }

  void Done(JobResult result) {
    std::lock_guard<std::mutex> lock(mu_);
    const uint64_t id = result.id();
    running_.erase(id);
    kept_bytes_ += result.work().size();
    results_[id] = std::move(result);
    order_.push_back(id);
    while (!order_.empty() &&
           (order_.size() > keep_results_ || kept_bytes_ > keep_bytes_)) {
      auto oldest = results_.find(order_.front());
      kept_bytes_ -= oldest->second.work().size();
      results_.erase(oldest);
      order_.pop_front();
    }
    ++completed_;
    done_cv_.notify_all();
  }

  // WaitFor blocks until job `id` is done, `deadline` passes or the queue
  // stops taking waiters.
  Wait WaitFor(uint64_t id, std::chrono::system_clock::time_point deadline,
               JobResult* result) {
    std::unique_lock<std::mutex> lock(mu_);
    if (id == 0 || id > last_id_) return Wait::kUnknown;
    // Not kept, not queued (the queue holds the newest ids) and not running:
    // it ran, and its result was dropped to keep the bound.
    auto forgotten = [&] {
      const bool queued = !pending_.empty() && id >= pending_.front().first;
      return results_.count(id) == 0 && !queued && running_.count(id) == 0;
    };
    if (!done_cv_.wait_until(lock, deadline, [&] {
          return stopping_ || results_.count(id) > 0 || forgotten();
        })) {
      return Wait::kTimeout;
    }
    auto it = results_.find(id);
    if (it != results_.end()) {
      *result = it->second;
      return Wait::kDone;
    }
    return forgotten() ? Wait::kForgotten : Wait::kStopping;
  }

  // Drain blocks until every job pushed so far is done (or `deadline`, or
  // the queue stops taking waiters).
  bool Drain(std::chrono::system_clock::time_point deadline,
             uint64_t* completed) {
    std::unique_lock<std::mutex> lock(mu_);
    const uint64_t target = last_id_;
    bool ok = done_cv_.wait_until(
        lock, deadline, [&] { return stopping_ || completed_ >= target; });
    *completed = completed_;
    return ok && completed_ >= target;
  }

  // StopWaiting makes every Wait and Drain, now and later, return at once,
  // so that no handler holds up the server's shutdown.
  void StopWaiting() {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    done_cv_.notify_all();
  }

  // Close lets the workers exit once the queued jobs are done.
  void Close() {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
    work_cv_.notify_all();
  }

 private:
  const size_t max_pending_;
  const size_t keep_results_;
  const size_t keep_bytes_;
  std::mutex mu_;
  std::condition_variable work_cv_;
  std::condition_variable done_cv_;
  uint64_t last_id_ = 0;                          // by mu_
  uint64_t completed_ = 0;                        // by mu_
  bool closed_ = false;                           // by mu_
  bool stopping_ = false;                         // by mu_
  std::deque<std::pair<uint64_t, Job>> pending_;  // by mu_
  std::map<uint64_t, JobResult> results_;         // by mu_
  std::deque<uint64_t> order_;     // ids in results_, oldest first; by mu_
  size_t kept_bytes_ = 0;          // work bytes in results_; by mu_
  std::set<uint64_t> running_;     // popped, not done (one per worker); by mu_
};

class TasksService final : public Tasks::Service {
 public:
  explicit TasksService(JobQueue* queue) : queue_(queue) {}

  grpc::Status Enqueue(grpc::ServerContext*, const EnqueueRequest* request,
                       EnqueueReply* reply) override {
    // A PRODUCER span (a child of the server span) is current while the
    // job is queued: it goes into the job's payload, so the worker's
    // CONSUMER span is its child (or, for a new trace, links it).
    traceprop::Span span("publish jobs", {traceprop::SpanKind::kProducer});
    span->SetAttribute("messaging.operation.type", "publish");
    span->SetAttribute("messaging.destination.name", "jobs");
    Job job;
    job.set_work(request->work());
    job.set_mode(request->mode());
    *job.mutable_trace() = traceprop::CurrentTaskPayload();
    const uint64_t id = queue_->Push(std::move(job));
    if (id == 0) {
      spdlog::warn("queue full: job refused");
      span->RecordError("the queue is full");
      return grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                          "the queue is full; retry later");
    }
    span->SetAttribute("messaging.message.id", absl::StrCat(id));
    reply->set_id(id);
    reply->set_trace_id(Hex(span.context().trace_id()));
    reply->set_span_id(Hex(span.context().span_id()));
    spdlog::info("enqueued job {} '{}' ({})", id,
                 traceprop_examples::Printable(request->work(), 64),
                 traceprop::examples::TraceMode_Name(request->mode()));
    return grpc::Status::OK;
  }

  grpc::Status Wait(grpc::ServerContext* ctx, const WaitRequest* request,
                    JobResult* result) override {
    auto deadline = std::min(ctx->deadline(), std::chrono::system_clock::now() +
                                                  std::chrono::seconds(30));
    switch (queue_->WaitFor(request->id(), deadline, result)) {
      case JobQueue::Wait::kDone:
        return grpc::Status::OK;
      case JobQueue::Wait::kUnknown:
        return grpc::Status(grpc::StatusCode::NOT_FOUND,
                            absl::StrCat("job ", request->id(), " unknown"));
      case JobQueue::Wait::kForgotten:
        return grpc::Status(
            grpc::StatusCode::NOT_FOUND,
            absl::StrCat("job ", request->id(), " done; its result expired"));
      case JobQueue::Wait::kStopping:
        return grpc::Status(grpc::StatusCode::UNAVAILABLE, "shutting down");
      case JobQueue::Wait::kTimeout:
        break;
    }
    return grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED,
                        absl::StrCat("job ", request->id(), " not done in time"));
  }

  grpc::Status Drain(grpc::ServerContext* ctx, const DrainRequest*,
                     DrainReply* reply) override {
    auto deadline = std::min(ctx->deadline(), std::chrono::system_clock::now() +
                                                  std::chrono::seconds(30));
    uint64_t completed = 0;
    bool ok = queue_->Drain(deadline, &completed);
    reply->set_completed(completed);
    return ok ? grpc::Status::OK
              : grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED,
                             "jobs still running");
  }

 private:
  JobQueue* const queue_;
};

// RunWorker is one worker thread: no context of its own; each job brings
// its trace in its payload.
void RunWorker(JobQueue* queue, const std::string& name) {
  uint64_t id = 0;
  Job job;
  while (queue->Pop(&id, &job)) {
    const traceprop::TaskTrace mode =
        job.mode() == traceprop::examples::NEW_TRACE_WITH_ORIGIN
            ? traceprop::TaskTrace::kNewTrace
            : traceprop::TaskTrace::kContinue;
    // Current and recorded (a CONSUMER span) until '}'.
    traceprop::TaskSpan task(job.trace(), "process jobs", mode);
    task->SetAttribute("messaging.operation.type", "process");
    task->SetAttribute("messaging.destination.name", "jobs");
    task->SetAttribute("messaging.message.id", absl::StrCat(id));
    task->SetAttribute("worker", name);
    if (!task.status().ok()) {
      spdlog::warn("job {}: bad trace payload ({}), running in a new trace", id,
                   std::string(task.status().message()));
    }
    if (mode == traceprop::TaskTrace::kNewTrace && task.origin().IsValid()) {
      spdlog::info("{} runs job {} '{}' in a new trace; origin {} {}", name, id,
                   traceprop_examples::Printable(job.work(), 64),
                   task.origin().trace_id().ToHex(),
                   task.origin().span_id().ToHex());
    } else {
      spdlog::info("{} runs job {} '{}'", name, id,
                   traceprop_examples::Printable(job.work(), 64));
    }
    const traceprop::TraceContext& span = traceprop::Current();
    JobResult result;
    result.set_id(id);
    result.set_work(job.work());
    result.set_worker(name);
    result.set_trace_id(Hex(span.trace_id()));
    result.set_span_id(Hex(span.span_id()));
    result.set_parent_span_id(Hex(span.parent_span_id()));
    if (mode == traceprop::TaskTrace::kNewTrace) {
      result.set_origin_trace_id(Hex(task.origin().trace_id()));
      result.set_origin_span_id(Hex(task.origin().span_id()));
    }
    spdlog::info("{} finished job {}", name, id);
    queue->Done(std::move(result));
  }
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage("task_queue --port N --workers N");
  absl::ParseCommandLine(argc, argv);

  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  spdlog::set_default_logger(
      spdlog::stdout_color_mt(absl::GetFlag(FLAGS_name)));
  spdlog::flush_on(spdlog::level::trace);
  if (!traceprop::logging::InstallSpdlog().ok()) return 1;

  // Spans: exported as the OTEL_* variables say (example_tracing.h); with
  // none set nothing is installed and nothing changes.
  std::shared_ptr<traceprop::TracerProvider> tracing =
      traceprop_examples::InstallTracing(absl::GetFlag(FLAGS_name));

  JobQueue queue(std::max(1, absl::GetFlag(FLAGS_max_pending)),
                 std::max(1, absl::GetFlag(FLAGS_keep_results)),
                 static_cast<size_t>(std::max(0, absl::GetFlag(FLAGS_keep_result_mib)))
                     << 20);
  std::vector<std::thread> workers;
  for (int i = 0; i < std::max(1, absl::GetFlag(FLAGS_workers)); ++i) {
    workers.emplace_back(RunWorker, &queue, absl::StrCat("worker-", i + 1));
  }

  TasksService service(&queue);
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(
      absl::StrCat("127.0.0.1:", absl::GetFlag(FLAGS_port)),
      grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&service);
  traceprop::EnableTracing(builder);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  int status = 0;
  std::chrono::system_clock::time_point grace_end;  // set by the stopper
  if (server == nullptr || port == 0) {
    spdlog::error("cannot listen on port {}", absl::GetFlag(FLAGS_port));
    status = 1;
  } else {
    std::cout << "listening on 127.0.0.1:" << port << std::endl;
    spdlog::info("serving traceprop.examples.Tasks with {} workers",
                 workers.size());
    // Shutdown: on SIGTERM, release every handler waiting for a job, stop
    // accepting calls and give in-flight ones --grace_ms; once the server
    // is down, close the queue and let the workers finish what was queued
    // (at most --max_pending jobs); once they have, every span has ended:
    // flush them (export) within what is left of the grace period.
    std::thread stopper([&] {
      int sig = 0;
      sigwait(&stop_signals, &sig);
      spdlog::info("signal {}: shutting down", sig);
      queue.StopWaiting();
      grace_end = std::chrono::system_clock::now() +
                  std::chrono::milliseconds(absl::GetFlag(FLAGS_grace_ms));
      server->Shutdown(grace_end);
    });
    server->Wait();
    stopper.join();
  }
  queue.Close();
  for (std::thread& t : workers) t.join();
  traceprop_examples::FlushTracing(tracing, grace_end);
  spdlog::info("stopped");
  return status;
}
