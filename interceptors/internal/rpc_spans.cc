#include "traceprop/interceptors/internal/rpc_spans.h"

#include <grpc/grpc.h>
#include <grpc/support/alloc.h>

#include <memory>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/strip.h"
#include "traceprop/spans/provider.h"

namespace traceprop {
namespace internal {
namespace {

// Splits "package.Service/Method" into service and method.
void SetServiceAndMethod(RecordingSpan& span, absl::string_view name) {
  span.SetAttribute("rpc.system", "grpc");
  size_t slash = name.rfind('/');
  if (slash == absl::string_view::npos) return;
  span.SetAttribute("rpc.service", name.substr(0, slash));
  span.SetAttribute("rpc.method", name.substr(slash + 1));
}

// Sets network.peer.address/port from the peer URI of `call` (may be
// null): "ipv4:1.2.3.4:80", "ipv6:[::1]:80", "unix:/path". Anything else is
// ignored. Asks gRPC core directly: the C++ peer() makes a second copy.
void SetPeer(RecordingSpan& span, grpc_call* call) {
  if (call == nullptr) return;
  std::unique_ptr<char, void (*)(void*)> peer(grpc_call_get_peer(call),
                                              gpr_free);
  if (peer == nullptr) return;
  absl::string_view p = peer.get();
  if (absl::ConsumePrefix(&p, "unix:")) {
    span.SetAttribute("network.peer.address", p);
    span.SetAttribute("network.transport", "unix");
    return;
  }
  if (!absl::ConsumePrefix(&p, "ipv4:") && !absl::ConsumePrefix(&p, "ipv6:"))
    return;
  size_t colon = p.rfind(':');
  if (colon == absl::string_view::npos) return;
  absl::string_view host = p.substr(0, colon);
  int port;
  if (!absl::SimpleAtoi(p.substr(colon + 1), &port)) return;
  absl::ConsumePrefix(&host, "[");
  absl::ConsumeSuffix(&host, "]");
  span.SetAttribute("network.peer.address", host);
  span.SetAttribute("network.peer.port", port);
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
  span_->SetAttribute("rpc.grpc.status_code",
                      static_cast<int64_t>(grpc::StatusCode::CANCELLED));
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
  SetServiceAndMethod(*span_, name);
  if (server != nullptr) {
    span_->SetAttribute("server.address", server->address);
    if (server->port >= 0)
      span_->SetAttribute("server.port", static_cast<int64_t>(server->port));
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
  SetServiceAndMethod(*span_, name);
  if (incoming.IsValid() && !continued) span_->AddLink(incoming);
  // c_call() only reads the call pointer; gRPC did not mark it const.
  if (ctx != nullptr)
    SetPeer(*span_, const_cast<grpc::ServerContextBase*>(ctx)->c_call());
}

void RpcSpan::EndRecordedClient(const grpc::Status& status,
                                grpc::ClientContext* client) {
  span_->SetAttribute("rpc.grpc.status_code",
                      static_cast<int64_t>(status.error_code()));
  if (!status.ok())
    span_->SetStatus(StatusCode::kError, status.error_message());
  if (client != nullptr) SetPeer(*span_, client->c_call());
  span_->End();
}

void RpcSpan::EndRecordedServer(const grpc::Status& status) {
  span_->SetAttribute("rpc.grpc.status_code",
                      static_cast<int64_t>(status.error_code()));
  if (ServerSpanIsError(status.error_code()))
    span_->SetStatus(StatusCode::kError, status.error_message());
  span_->End();
}

}  // namespace internal
}  // namespace traceprop
