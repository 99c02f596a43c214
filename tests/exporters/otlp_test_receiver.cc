#include "traceprop/tests/exporters/otlp_test_receiver.h"

#include <grpcpp/generic/async_generic_service.h>

#include <chrono>
#include <unordered_set>
#include <utility>

namespace traceprop {
namespace testing_support {

namespace collector = otlp::collector::trace::v1;

class OtlpTestReceiver::Service final : public collector::TraceService::Service {
 public:
  grpc::Status Export(grpc::ServerContext* ctx,
                      const collector::ExportTraceServiceRequest* request,
                      collector::ExportTraceServiceResponse* response) override {
    std::unique_lock<std::mutex> lock(mu);
    ++calls;
    cv.notify_all();  // WaitForCalls
    metadata.clear();
    for (const auto& [k, v] : ctx->client_metadata())
      metadata.emplace(std::string(k.data(), k.size()),
                       std::string(v.data(), v.size()));
    // Held: wait for Release or for the caller to give up (a bounded poll
    // of the cancellation flag, which gRPC offers no wait for).
    while (hold && !ctx->IsCancelled())
      cv.wait_for(lock, std::chrono::milliseconds(5));
    if (!failures.empty()) {
      grpc::Status s = failures.front();
      failures.pop_front();
      return s;
    }
    for (const auto& rs : request->resource_spans()) {
      for (const auto& ss : rs.scope_spans()) {
        for (const auto& span : ss.spans()) {
          ++received;
          if (count_only) {
            span_ids.insert(span.span_id());
          } else {
            spans.push_back(ReceivedSpan{span, rs.resource(), ss.scope()});
          }
        }
      }
    }
    if (partial) {
      response->mutable_partial_success()->set_rejected_spans(rejected);
      response->mutable_partial_success()->set_error_message(message);
    }
    cv.notify_all();
    return grpc::Status::OK;
  }

  std::mutex mu;
  std::condition_variable cv;
  int calls = 0;
  bool hold = false;
  bool partial = false;
  int64_t rejected = 0;
  std::string message;
  std::deque<grpc::Status> failures;
  std::vector<ReceivedSpan> spans;
  bool count_only = false;
  size_t received = 0;
  std::unordered_set<std::string> span_ids;  // count_only
  std::multimap<std::string, std::string> metadata;
};

OtlpTestReceiver::OtlpTestReceiver(int port)
    : service_(std::make_unique<Service>()) {
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:" + std::to_string(port),
                           grpc::InsecureServerCredentials(), &port_);
  builder.RegisterService(service_.get());
  server_ = builder.BuildAndStart();
}

OtlpTestReceiver::OtlpTestReceiver(
    std::shared_ptr<grpc::ServerCredentials> credentials)
    : service_(std::make_unique<Service>()), tls_(true) {
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", std::move(credentials), &port_);
  builder.RegisterService(service_.get());
  server_ = builder.BuildAndStart();
}

OtlpTestReceiver::~OtlpTestReceiver() {
  Release();
  if (server_) server_->Shutdown(std::chrono::system_clock::now());
}

void OtlpTestReceiver::FailNext(grpc::Status status, int times) {
  std::lock_guard<std::mutex> lock(service_->mu);
  for (int i = 0; i < times; ++i) service_->failures.push_back(status);
}

void OtlpTestReceiver::SetPartialSuccess(int64_t rejected,
                                         const std::string& message) {
  std::lock_guard<std::mutex> lock(service_->mu);
  service_->partial = true;
  service_->rejected = rejected;
  service_->message = message;
}

void OtlpTestReceiver::Hold() {
  std::lock_guard<std::mutex> lock(service_->mu);
  service_->hold = true;
}

void OtlpTestReceiver::Release() {
  {
    std::lock_guard<std::mutex> lock(service_->mu);
    service_->hold = false;
  }
  service_->cv.notify_all();
}

bool OtlpTestReceiver::WaitForSpans(size_t n, absl::Duration timeout) {
  std::unique_lock<std::mutex> lock(service_->mu);
  return service_->cv.wait_for(lock, absl::ToChronoNanoseconds(timeout),
                               [&] { return service_->received >= n; });
}

void OtlpTestReceiver::CountOnly() {
  std::lock_guard<std::mutex> lock(service_->mu);
  service_->count_only = true;
}

size_t OtlpTestReceiver::SpanCount() {
  std::lock_guard<std::mutex> lock(service_->mu);
  return service_->received;
}

size_t OtlpTestReceiver::DistinctSpanIds() {
  std::lock_guard<std::mutex> lock(service_->mu);
  return service_->span_ids.size();
}

bool OtlpTestReceiver::WaitForCalls(int n, absl::Duration timeout) {
  std::unique_lock<std::mutex> lock(service_->mu);
  return service_->cv.wait_for(lock, absl::ToChronoNanoseconds(timeout),
                               [&] { return service_->calls >= n; });
}

std::vector<ReceivedSpan> OtlpTestReceiver::Spans() {
  std::lock_guard<std::mutex> lock(service_->mu);
  return service_->spans;
}

int OtlpTestReceiver::calls() {
  std::lock_guard<std::mutex> lock(service_->mu);
  return service_->calls;
}

std::multimap<std::string, std::string> OtlpTestReceiver::LastMetadata() {
  std::lock_guard<std::mutex> lock(service_->mu);
  return service_->metadata;
}

class RawReceiver::Reactor final : public grpc::ServerGenericBidiReactor {
 public:
  Reactor(RawReceiver* owner, grpc::GenericCallbackServerContext* ctx)
      : owner_(owner), method_(ctx->method()) {
    StartRead(&request_);
  }
  void OnReadDone(bool ok) override {
    if (!ok) {
      Finish(grpc::Status(grpc::StatusCode::INTERNAL, "no request"));
      return;
    }
    std::string bytes;
    std::vector<grpc::Slice> slices;
    if (request_.Dump(&slices).ok()) {
      for (const grpc::Slice& s : slices)
        bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
    }
    Reply r = owner_->Next(method_, std::move(bytes));
    if (!r.status.ok()) {
      Finish(r.status);
      return;
    }
    grpc::Slice slice(r.bytes);
    response_ = grpc::ByteBuffer(&slice, 1);
    StartWriteAndFinish(&response_, grpc::WriteOptions(), grpc::Status::OK);
  }
  void OnDone() override { delete this; }

 private:
  RawReceiver* const owner_;
  const std::string method_;
  grpc::ByteBuffer request_;
  grpc::ByteBuffer response_;
};

class RawReceiver::Service final : public grpc::CallbackGenericService {
 public:
  explicit Service(RawReceiver* owner) : owner_(owner) {}
  grpc::ServerGenericBidiReactor* CreateReactor(
      grpc::GenericCallbackServerContext* ctx) override {
    return new Reactor(owner_, ctx);
  }

 private:
  RawReceiver* const owner_;
};

RawReceiver::RawReceiver() : service_(std::make_unique<Service>(this)) {
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                           &port_);
  builder.RegisterCallbackGenericService(service_.get());
  server_ = builder.BuildAndStart();
}

RawReceiver::~RawReceiver() {
  if (server_) server_->Shutdown(std::chrono::system_clock::now());
}

void RawReceiver::Script(std::vector<Reply> replies) {
  std::lock_guard<std::mutex> lock(mu_);
  replies_.assign(replies.begin(), replies.end());
}

int RawReceiver::calls() {
  std::lock_guard<std::mutex> lock(mu_);
  return calls_;
}

std::string RawReceiver::last_method() {
  std::lock_guard<std::mutex> lock(mu_);
  return last_method_;
}

std::string RawReceiver::last_request() {
  std::lock_guard<std::mutex> lock(mu_);
  return last_request_;
}

RawReceiver::Reply RawReceiver::Next(const std::string& method,
                                     std::string request) {
  std::lock_guard<std::mutex> lock(mu_);
  ++calls_;
  last_method_ = method;
  last_request_ = std::move(request);
  if (replies_.empty()) return Reply{};
  Reply r = replies_.front();
  if (replies_.size() > 1) replies_.pop_front();
  return r;
}

}  // namespace testing_support
}  // namespace traceprop
