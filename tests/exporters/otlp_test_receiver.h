// An in-process OTLP/gRPC receiver for tests: a real gRPC server
// implementing opentelemetry.proto.collector.trace.v1.TraceService on
// 127.0.0.1 that stores what it receives and answers as scripted.

#ifndef TRACEPROP_TESTS_EXPORTERS_OTLP_TEST_RECEIVER_H_
#define TRACEPROP_TESTS_EXPORTERS_OTLP_TEST_RECEIVER_H_

#include <grpcpp/grpcpp.h>

#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "traceprop/exporters/otlp_grpc_exporter.h"
#include "traceprop/exporters/proto/trace_service.grpc.pb.h"

namespace traceprop {
namespace testing_support {

namespace otlp = opentelemetry::proto;

// ReceivedSpan is one span with the resource it came with.
struct ReceivedSpan {
  otlp::trace::v1::Span span;
  otlp::resource::v1::Resource resource;
  otlp::common::v1::InstrumentationScope scope;
};

// OtlpTestReceiver: thread-safe.
class OtlpTestReceiver {
 public:
  // Starts listening on 127.0.0.1:`port` (0: any free port), in plaintext.
  explicit OtlpTestReceiver(int port = 0);
  // Starts listening on any free port of 127.0.0.1 with `credentials` (TLS:
  // endpoint() is then https://).
  explicit OtlpTestReceiver(
      std::shared_ptr<grpc::ServerCredentials> credentials);
  ~OtlpTestReceiver();

  int port() const { return port_; }
  std::string endpoint() const {
    return (tls_ ? "https://127.0.0.1:" : "http://127.0.0.1:") +
           std::to_string(port_);
  }

  // FailNext makes the next `times` calls answer `status`.
  void FailNext(grpc::Status status, int times = 1);
  // SetPartialSuccess makes every successful answer carry partial_success.
  void SetPartialSuccess(int64_t rejected, const std::string& message);
  // Hold makes calls wait (until Release or the caller's deadline).
  void Hold();
  void Release();

  // CountOnly makes the receiver count spans and their distinct span ids
  // instead of storing them (Spans() stays empty): for load tests.
  void CountOnly();
  size_t SpanCount();        // spans received, both modes
  size_t DistinctSpanIds();  // CountOnly mode
  // WaitForSpans waits until at least `n` spans arrived; false on timeout.
  bool WaitForSpans(size_t n, absl::Duration timeout);
  // WaitForCalls waits until at least `n` Export calls arrived (held ones
  // included); false on timeout.
  bool WaitForCalls(int n, absl::Duration timeout);
  std::vector<ReceivedSpan> Spans();
  int calls();
  // Metadata of the last call (lower-case keys).
  std::multimap<std::string, std::string> LastMetadata();

 private:
  class Service;
  std::unique_ptr<Service> service_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
  bool tls_ = false;
};

// RawReceiver answers every method with scripted raw bytes (or a status):
// a receiver that speaks gRPC but not necessarily OTLP. It keeps the raw
// bytes of the last request (gRPC has already decompressed them). Replies
// are used in order, the last one repeating; with none scripted it answers
// "" (an empty, valid ExportTraceServiceResponse). Thread-safe.
class RawReceiver {
 public:
  struct Reply {
    std::string bytes;  // the response message, sent as is
    grpc::Status status = grpc::Status::OK;
  };

  RawReceiver();  // on 127.0.0.1, any free port
  ~RawReceiver();

  std::string endpoint() const {
    return "http://127.0.0.1:" + std::to_string(port_);
  }
  void Script(std::vector<Reply> replies);
  int calls();
  std::string last_method();
  std::string last_request();

 private:
  class Reactor;
  class Service;
  Reply Next(const std::string& method, std::string request);

  std::mutex mu_;
  std::deque<Reply> replies_;
  int calls_ = 0;
  std::string last_method_;
  std::string last_request_;
  std::unique_ptr<Service> service_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
};

// FastRetryOptions: exporter options for `endpoint` that retry within
// milliseconds (tests wait for retries, not backoff) under a generous
// 20 s deadline.
inline OtlpGrpcExporterOptions FastRetryOptions(const std::string& endpoint) {
  OtlpGrpcExporterOptions o;
  o.endpoint = endpoint;
  o.timeout = absl::Seconds(20);
  o.initial_backoff = absl::Milliseconds(1);
  o.max_backoff = absl::Milliseconds(5);
  return o;
}

}  // namespace testing_support
}  // namespace traceprop

#endif  // TRACEPROP_TESTS_EXPORTERS_OTLP_TEST_RECEIVER_H_
