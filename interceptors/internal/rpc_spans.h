// Private: the interceptors' recording side — the CLIENT and SERVER span of
// each call (spans/ does the recording; this file knows gRPC). The hooks in
// tracing.cc call these; with no TracerProvider installed, or an unsampled
// call, they cost a flag check.

#ifndef TRACEPROP_INTERCEPTORS_INTERNAL_RPC_SPANS_H_
#define TRACEPROP_INTERCEPTORS_INTERNAL_RPC_SPANS_H_

#include <grpcpp/client_context.h>
#include <grpcpp/server_context.h>
#include <grpcpp/support/status.h>

#include <optional>

#include "absl/strings/string_view.h"
#include "traceprop/context/trace_context.h"
#include "traceprop/interceptors/internal/server_address.h"
#include "traceprop/spans/provider.h"
#include "traceprop/spans/span.h"

namespace traceprop {
namespace internal {

// SpanName returns "package.Service/Method" for "/package.Service/Method".
absl::string_view SpanName(const char* method);

// NewCallContext returns the context of a new RPC span: a child of
// `parent` or, when `parent` is invalid, a new root (unsampled when
// `root_sampled` is false). With a provider installed its sampler decides
// (ParentBased by default: the same flags as TraceContext::Child()).
inline TraceContext NewCallContext(const TraceContext& parent,
                                   bool root_sampled, const char* method,
                                   SpanKind kind) {
  TracerProvider* provider = InstalledTracerProvider();
  if (provider == nullptr || (!parent.IsValid() && !root_sampled)) {
    return parent.IsValid() ? parent.Child()
                            : TraceContext::NewRoot(root_sampled);
  }
  return provider->NewSpanContext(parent, SpanName(method), kind);
}

// RpcSpan is one call's span. Thread-compatible: the interceptor's hooks
// reach it in order (gRPC orders a call's batches; tracing.cc annotates
// the hand-offs for TSan). A span still open when the RpcSpan is destroyed
// (the call was cancelled or abandoned before a status) ends then, with
// rpc.grpc.status_code CANCELLED (1).
class RpcSpan {
 public:
  RpcSpan() = default;
  RpcSpan(const RpcSpan&) = delete;
  RpcSpan& operator=(const RpcSpan&) = delete;
  ~RpcSpan() {
    if (IsRecording()) EndUnfinished();
  }

  // StartClient records a CLIENT span with the context `call` (the one the
  // call sends) when a provider is installed and `call` is sampled;
  // `server` (may be null: unknown) gives server.address / server.port.
  void StartClient(const TraceContext& call, const char* method,
                   const ServerAddress* server = nullptr) {
    if (call.sampled() && InstalledTracerProvider() != nullptr)
      RecordClient(call, method, server);
  }

  // StartServer records a SERVER span for `server_span`; when the server
  // restarted the trace at a trust boundary (`incoming` valid but not the
  // parent), the caller's context is linked.
  void StartServer(const TraceContext& server_span,
                   const TraceContext& incoming, const char* method,
                   const grpc::ServerContextBase* ctx) {
    if (server_span.sampled() && InstalledTracerProvider() != nullptr)
      RecordServer(server_span, incoming, method, ctx);
  }

  // EndClient / EndServer end the span with the call's status and the
  // conventions' mapping: a client span is an error for any non-OK code; a
  // server span only for UNKNOWN, DEADLINE_EXCEEDED, UNIMPLEMENTED,
  // INTERNAL, UNAVAILABLE and DATA_LOSS. `client` (may be null) gives the
  // peer address. Later calls do nothing.
  void EndClient(const grpc::Status& status, grpc::ClientContext* client) {
    if (IsRecording()) EndRecordedClient(status, client);
  }
  void EndServer(const grpc::Status& status) {
    if (IsRecording()) EndRecordedServer(status);
  }

  // IsRecording: started (sampled, provider installed) and not yet ended.
  bool IsRecording() const { return span_ && span_->IsRecording(); }

 private:
  // The recording halves, out of line: an unrecorded call costs the
  // inline checks above.
  void RecordClient(const TraceContext& call, const char* method,
                    const ServerAddress* server);
  void RecordServer(const TraceContext& server_span,
                    const TraceContext& incoming, const char* method,
                    const grpc::ServerContextBase* ctx);
  void EndRecordedClient(const grpc::Status& status,
                         grpc::ClientContext* client);
  void EndRecordedServer(const grpc::Status& status);
  void EndUnfinished();  // destroyed before a status: CANCELLED

  std::optional<RecordingSpan> span_;  // engaged once recording starts
  bool server_ = false;
  bool in_process_ = false;  // a CLIENT span's call has no network peer
};

// ServerSpanIsError is the semantic conventions' server status mapping.
bool ServerSpanIsError(grpc::StatusCode code);

}  // namespace internal
}  // namespace traceprop

#endif  // TRACEPROP_INTERCEPTORS_INTERNAL_RPC_SPANS_H_
