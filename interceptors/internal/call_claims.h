// Internal: how per-channel factories tell the process-wide client
// interceptor (global_tracing.h) that a call is already handled. Not part
// of the public API.
//
// gRPC 1.51 creates a call's interceptors on the calling thread, the
// channel's factories first and the global factory last
// (ClientRpcInfo::RegisterInterceptors), all for the same ClientRpcInfo.
// A channel factory "claims" the call by storing its ClientRpcInfo in a
// thread-local slot; the global factory, running next on the same thread,
// consumes the claim and stays out of that call.

#ifndef TRACEPROP_INTERCEPTORS_INTERNAL_CALL_CLAIMS_H_
#define TRACEPROP_INTERCEPTORS_INTERNAL_CALL_CLAIMS_H_

#include <grpcpp/support/client_interceptor.h>

#include <memory>

#include "traceprop/interceptors/tracing.h"

namespace traceprop {
namespace internal {

// ClaimCall marks `info` as handled by a channel's own factory (traced by
// CreateTracedChannel or exempted by CreateUntracedChannel). A no-op until
// process-wide tracing is enabled. Thread-safe (thread-local state).
void ClaimCall(const grpc::experimental::ClientRpcInfo* info);

// TakeClaim reports whether `info` was claimed on this thread, and clears
// the claim. Thread-safe (thread-local state).
bool TakeClaim(const grpc::experimental::ClientRpcInfo* info);

// MakeSharedClientInterceptorFactory is MakeClientInterceptorFactory for a
// factory that serves every channel (process-wide tracing): it does not
// remember a channel's server address across calls.
std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>
MakeSharedClientInterceptorFactory(ClientOptions options);

}  // namespace internal
}  // namespace traceprop

#endif  // TRACEPROP_INTERCEPTORS_INTERNAL_CALL_CLAIMS_H_
