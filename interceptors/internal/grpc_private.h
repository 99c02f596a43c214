// Private: access to eight members gRPC 1.51 keeps private, which
// traceprop needs and gRPC offers no API for. Naming a private member is
// allowed in an explicit instantiation ([temp.spec.general]/6), so this is
// standard C++; a gRPC that renames or retypes a member fails to compile in
// grpc_private.cc, never silently. Not part of the public API.

#ifndef TRACEPROP_INTERCEPTORS_INTERNAL_GRPC_PRIVATE_H_
#define TRACEPROP_INTERCEPTORS_INTERNAL_GRPC_PRIVATE_H_

#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>
#include <grpcpp/server_builder.h>
#include <grpcpp/server_context.h>
#include <grpcpp/support/interceptor.h>
#include <grpcpp/support/server_interceptor.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace traceprop {
namespace internal {

using ServerInterceptorCreators = std::vector<
    std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>;

// The builder's interceptor list (SetInterceptorCreators only replaces it).
ServerInterceptorCreators& InterceptorCreatorsOf(grpc::ServerBuilder& builder);

// The interceptors gRPC created for the call of `ctx` (those whose factory
// returned one), in factory order; empty before the call has any.
const std::vector<std::unique_ptr<grpc::experimental::Interceptor>>&
InterceptorsOf(const grpc::ServerContextBase& ctx);

// How many interceptors gRPC has created for the client call of `info`
// so far: those of the factories before the one now running.
size_t InterceptorCountOf(const grpc::experimental::ClientRpcInfo& info);

// The metadata `ctx` will send first (what ClientContext::AddMetadata
// fills). gRPC reads it when the call's first batch starts, after every
// interceptor factory has run; a factory may still change it.
std::multimap<std::string, std::string>& SendInitialMetadataOf(
    grpc::ClientContext& ctx);

// The target `channel` was created with ("dns:///host:port", "ipv4:…"),
// from gRPC core; "" for a channel that is not a grpc::Channel.
std::string ChannelTarget(grpc::ChannelInterface* channel);

// The received initial metadata of a POST_RECV_INITIAL_METADATA batch as
// gRPC core delivered it, when nothing has asked for it as a map yet;
// null otherwise (`methods` is not gRPC's own batch type, or an interceptor
// called GetRecvInitialMetadata() and may have changed the map: read the
// map then). Reading the array spares the map gRPC would build and
// allocate on request, as gRPC's own MetadataMap::GetBinaryErrorDetails does.
const grpc_metadata_array* UnmappedRecvInitialMetadata(
    grpc::experimental::InterceptorBatchMethods* methods);

}  // namespace internal
}  // namespace traceprop

#endif  // TRACEPROP_INTERCEPTORS_INTERNAL_GRPC_PRIVATE_H_
