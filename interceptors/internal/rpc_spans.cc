#include "traceprop/interceptors/internal/rpc_spans.h"

#include <grpc/grpc.h>
#include <grpc/support/alloc.h>

#include <memory>
#include <string>

#include "absl/strings/strip.h"
#include "traceprop/spans/provider.h"

namespace traceprop {
namespace internal {
namespace {

// Keeps gRPC's peer URI of `call` (may be null) for network.peer.* (parsed
// when exported: span_data.h). Asks gRPC core directly: the C++ peer()
// makes a second copy.
void SetPeer(RpcAttributes& rpc, grpc_call* call) {
  if (call == nullptr) return;
  std::unique_ptr<char, void (*)(void*)> peer(grpc_call_get_peer(call),
                                              gpr_free);
  if (peer != nullptr) rpc.peer.assign(peer.get());
}

// InProcess tells whether a server call came over gRPC's in-process
// transport, by the authority its clients send unless told otherwise:
// "inproc" (gRPC 1.51's C++ InProcessChannel) or "inproc.authority" (its
// core's default). Such a call has no network peer: gRPC answers the peer
// query with the channel's target, which network.peer.* omits, and the
// query cost ~470 instructions a span. A TCP client that sends one of these
// authorities loses its network.peer.*, nothing else.
bool InProcess(const grpc::ServerContextBase& ctx) {
  const grpc::string_ref authority = ctx.ExperimentalGetAuthority();
  const absl::string_view a(authority.data(), authority.size());
  return a == "inproc" || a == "inproc.authority";
}

}  // namespace

absl::string_view SpanName(const char* method) {
  if (method == nullptr) return "grpc";
  absl::string_view m = method;
  absl::ConsumePrefix(&m, "/");
  return m;
}

bool ServerSpanIsError(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::UNKNOWN:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
    case grpc::StatusCode::UNIMPLEMENTED:
    case grpc::StatusCode::INTERNAL:
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::DATA_LOSS:
      return true;
    default:
      return false;
  }
}

void RpcSpan::EndUnfinished() {
  span_->rpc_attributes()->grpc_status_code = grpc::StatusCode::CANCELLED;
  if (!server_)
    span_->SetStatus(StatusCode::kError, "call ended without status");
  span_->End();
}

void RpcSpan::RecordClient(const TraceContext& call, const char* method,
                           const ServerAddress* server) {
  TracerProvider* provider = InstalledTracerProvider();
  if (provider == nullptr) return;
  absl::string_view name = SpanName(method);
  span_.emplace(provider->Record(call, name, SpanKind::kClient));
  if (!span_->IsRecording()) {
    span_.reset();
    return;
  }
  RpcAttributes& rpc = *span_->rpc_attributes();
  rpc.is_rpc = true;
  if (server != nullptr) {
    rpc.server_address = server->address;  // a pooled span's capacity
    rpc.server_port = server->port;
    in_process_ = server->in_process;
  }
}

void RpcSpan::RecordServer(const TraceContext& server_span,
                           const TraceContext& incoming, const char* method,
                           const grpc::ServerContextBase* ctx) {
  TracerProvider* provider = InstalledTracerProvider();
  if (provider == nullptr) return;
  absl::string_view name = SpanName(method);
  const bool continued = incoming.IsValid() &&
                         server_span.trace_id() == incoming.trace_id() &&
                         server_span.parent_span_id() == incoming.span_id();
  span_.emplace(
      provider->Record(server_span, name, SpanKind::kServer, continued));
  if (!span_->IsRecording()) {
    span_.reset();
    return;
  }
  server_ = true;
  RpcAttributes& rpc = *span_->rpc_attributes();
  rpc.is_rpc = true;
  if (incoming.IsValid() && !continued) span_->AddLink(incoming);
  // c_call() only reads the call pointer; gRPC did not mark it const.
  if (ctx != nullptr && !InProcess(*ctx))
    SetPeer(rpc, const_cast<grpc::ServerContextBase*>(ctx)->c_call());
}

void RpcSpan::EndRecordedClient(const grpc::Status& status,
                                grpc::ClientContext* client) {
  RpcAttributes& rpc = *span_->rpc_attributes();
  rpc.grpc_status_code = status.error_code();
  if (!status.ok())
    span_->SetStatus(StatusCode::kError, status.error_message());
  if (client != nullptr && !in_process_) SetPeer(rpc, client->c_call());
  span_->End();
}

void RpcSpan::EndRecordedServer(const grpc::Status& status) {
  span_->rpc_attributes()->grpc_status_code = status.error_code();
  if (ServerSpanIsError(status.error_code()))
    span_->SetStatus(StatusCode::kError, status.error_message());
  span_->End();
}

}  // namespace internal
}  // namespace traceprop
