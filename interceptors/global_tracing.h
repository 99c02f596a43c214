// traceprop/interceptors/global_tracing.h — trace every channel of the
// process, including channels created by code you do not own.
//
// CreateTracedChannel (tracing.h) traces the channels you create. Libraries
// you link create their own with grpc::CreateChannel, and each such channel
// silently starts a new trace downstream. EnableGlobalClientTracing installs
// traceprop's client interceptor process-wide (gRPC's global client
// interceptor), so every call on every channel carries the trace:
//
// Example (compiled in tests/snippets/callbacks.cc, "enable"):
//   // First thing in main(), before any RPC starts:
//   absl::Status traced = traceprop::EnableGlobalClientTracing();
//   if (!traced.ok()) std::cerr << traced << "\n";
//
// Example (compiled in tests/snippets/callbacks.cc, "plain_channel"):
//   // Every channel, yours or a library's, now carries the trace:
//   auto channel =
//       grpc::CreateChannel(target, grpc::InsecureChannelCredentials());
//
// Trade-offs (gRPC 1.51's global interceptor is experimental and minimal):
//  - It must be enabled once, before any RPC starts anywhere in the process
//    (gRPC reads the registration without synchronisation), and it cannot
//    be undone or reconfigured.
//  - gRPC allows one global client interceptor per process: if something
//    else registered one first, EnableGlobalClientTracing returns an error
//    instead of letting gRPC abort.
//  - It runs after every channel's own interceptors, so application
//    interceptors cannot see or change the headers it adds.
//  - Channels made by CreateTracedChannel keep their own ClientOptions and
//    are not traced twice; CreateUntracedChannel makes a channel (for
//    example to an external API that must not receive your trace ids) that
//    it leaves alone.
//
// Thread safety: EnableGlobalClientTracing must not run concurrently with
// RPCs; everything else is thread-safe.

#ifndef TRACEPROP_INTERCEPTORS_GLOBAL_TRACING_H_
#define TRACEPROP_INTERCEPTORS_GLOBAL_TRACING_H_

#include <grpcpp/channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/channel_arguments.h>
#include <grpcpp/support/client_interceptor.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "traceprop/interceptors/tracing.h"

namespace traceprop {

// EnableGlobalClientTracing makes every client call of the process, on any
// channel, carry the trace exactly like a CreateTracedChannel channel with
// `options` (one child span per call of Current(), see
// MakeClientInterceptorFactory) — except calls on channels created by
// CreateTracedChannel (their own options apply, no second span) or by
// CreateUntracedChannel / with MakeUntracedInterceptorFactory (nothing is
// added). Returns:
//  - OK: enabled; every RPC started from now on is covered;
//  - AlreadyExists: it was already enabled (the first options stay);
//  - FailedPrecondition: another global client interceptor is registered
//    (gRPC allows one); nothing changed.
// Call it once, at the start of main(), before any RPC: gRPC reads the
// registration without synchronisation. It cannot be undone (the
// interceptor factory lives until the process exits).
absl::Status EnableGlobalClientTracing(ClientOptions options = {});

// GlobalClientTracingEnabled reports whether EnableGlobalClientTracing
// succeeded in this process. Thread-safe.
bool GlobalClientTracingEnabled();

// MakeUntracedInterceptorFactory returns a factory that exempts the calls
// of the channel it is installed on from process-wide tracing. It creates no
// interceptor, and outside process-wide tracing it does nothing. Put it in
// a channel's interceptor list (grpc::experimental::
// CreateCustomChannelWithInterceptors). Thread-safe.
std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>
MakeUntracedInterceptorFactory();

// CreateUntracedChannel creates a channel like grpc::CreateCustomChannel
// whose calls process-wide tracing leaves alone (no trace headers are
// added; application headers go out unchanged), followed by the
// application's interceptors `more`. Thread-safe.
std::shared_ptr<grpc::Channel> CreateUntracedChannel(
    const std::string& target,
    const std::shared_ptr<grpc::ChannelCredentials>& creds,
    const grpc::ChannelArguments& args = grpc::ChannelArguments(),
    std::vector<
        std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>>
        more = {});

}  // namespace traceprop

#endif  // TRACEPROP_INTERCEPTORS_GLOBAL_TRACING_H_
