// Private: the table from a call's ServerContextBase to the interceptor that
// holds its server span, behind ServerSpan() and IncomingContext().

#ifndef TRACEPROP_INTERCEPTORS_INTERNAL_SERVER_SPAN_REGISTRY_H_
#define TRACEPROP_INTERCEPTORS_INTERNAL_SERVER_SPAN_REGISTRY_H_

#include "traceprop/context/trace_context.h"

namespace grpc {
class ServerContextBase;
}  // namespace grpc

namespace traceprop {
namespace internal {

// CallSpans is what the server interceptor knows about one call. Written
// once before Register(), immutable afterwards.
struct CallSpans {
  TraceContext server_span;
  TraceContext incoming;
};

// RegisterCallSpans makes `spans` findable by `ctx` until
// UnregisterCallSpans(ctx, spans). `spans` must stay alive until then.
// Thread-safe (sharded mutexes).
void RegisterCallSpans(const grpc::ServerContextBase* ctx,
                       const CallSpans* spans);
// UnregisterCallSpans removes the entry for `ctx` only if it is `spans` (a
// later call may reuse the address of a destroyed context).
void UnregisterCallSpans(const grpc::ServerContextBase* ctx,
                         const CallSpans* spans);
// FindCallSpans copies the entry for `ctx` into `out`; false if none.
bool FindCallSpans(const grpc::ServerContextBase* ctx, CallSpans* out);

}  // namespace internal
}  // namespace traceprop

#endif  // TRACEPROP_INTERCEPTORS_INTERNAL_SERVER_SPAN_REGISTRY_H_
