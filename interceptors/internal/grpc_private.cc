#include "traceprop/interceptors/internal/grpc_private.h"

#include <grpc/grpc.h>
#include <grpc/support/alloc.h>
#include <grpcpp/impl/codegen/interceptor_common.h>
#include <grpcpp/impl/codegen/metadata_map.h>

#include <typeinfo>

namespace traceprop {
namespace internal {
namespace {

// Each Tag names a member pointer type; ExposeMember's explicit
// instantiation defines the friend MemberOf(Tag) returning the member.
template <typename Tag, typename Tag::type Member>
struct ExposeMember {
  friend typename Tag::type MemberOf(Tag) { return Member; }
};

struct CreatorsTag {
  using type = ServerInterceptorCreators grpc::ServerBuilder::*;
  friend type MemberOf(CreatorsTag);
};
template struct ExposeMember<CreatorsTag,
                             &grpc::ServerBuilder::interceptor_creators_>;

struct RpcInfoTag {
  using type = grpc::experimental::ServerRpcInfo* grpc::ServerContextBase::*;
  friend type MemberOf(RpcInfoTag);
};
template struct ExposeMember<RpcInfoTag, &grpc::ServerContextBase::rpc_info_>;

struct InterceptorsTag {
  using type = std::vector<std::unique_ptr<grpc::experimental::Interceptor>>
      grpc::experimental::ServerRpcInfo::*;
  friend type MemberOf(InterceptorsTag);
};
template struct ExposeMember<InterceptorsTag,
                             &grpc::experimental::ServerRpcInfo::interceptors_>;

struct ClientInterceptorsTag {
  using type = std::vector<std::unique_ptr<grpc::experimental::Interceptor>>
      grpc::experimental::ClientRpcInfo::*;
  friend type MemberOf(ClientInterceptorsTag);
};
template struct ExposeMember<ClientInterceptorsTag,
                             &grpc::experimental::ClientRpcInfo::interceptors_>;

struct SendMetadataTag {
  using type = std::multimap<std::string, std::string> grpc::ClientContext::*;
  friend type MemberOf(SendMetadataTag);
};
template struct ExposeMember<SendMetadataTag,
                             &grpc::ClientContext::send_initial_metadata_>;

struct CChannelTag {
  using type = grpc_channel* const grpc::Channel::*;
  friend type MemberOf(CChannelTag);
};
template struct ExposeMember<CChannelTag, &grpc::Channel::c_channel_>;

struct RecvInitialMetadataTag {
  using type = grpc::internal::MetadataMap*
      grpc::internal::InterceptorBatchMethodsImpl::*;
  friend type MemberOf(RecvInitialMetadataTag);
};
template struct ExposeMember<
    RecvInitialMetadataTag,
    &grpc::internal::InterceptorBatchMethodsImpl::recv_initial_metadata_>;

struct FilledTag {
  using type = bool grpc::internal::MetadataMap::*;
  friend type MemberOf(FilledTag);
};
template struct ExposeMember<FilledTag, &grpc::internal::MetadataMap::filled_>;

}  // namespace

const grpc_metadata_array* UnmappedRecvInitialMetadata(
    grpc::experimental::InterceptorBatchMethods* methods) {
  if (typeid(*methods) != typeid(grpc::internal::InterceptorBatchMethodsImpl))
    return nullptr;
  grpc::internal::MetadataMap* map =
      static_cast<grpc::internal::InterceptorBatchMethodsImpl*>(methods)
          ->*MemberOf(RecvInitialMetadataTag{});
  if (map == nullptr || map->*MemberOf(FilledTag{})) return nullptr;
  return map->arr();
}

ServerInterceptorCreators& InterceptorCreatorsOf(grpc::ServerBuilder& builder) {
  return builder.*MemberOf(CreatorsTag{});
}

const std::vector<std::unique_ptr<grpc::experimental::Interceptor>>&
InterceptorsOf(const grpc::ServerContextBase& ctx) {
  static const auto* const kNone =
      new std::vector<std::unique_ptr<grpc::experimental::Interceptor>>;
  const grpc::experimental::ServerRpcInfo* info = ctx.*MemberOf(RpcInfoTag{});
  if (info == nullptr) return *kNone;
  return info->*MemberOf(InterceptorsTag{});
}

size_t InterceptorCountOf(const grpc::experimental::ClientRpcInfo& info) {
  return (info.*MemberOf(ClientInterceptorsTag{})).size();
}

std::multimap<std::string, std::string>& SendInitialMetadataOf(
    grpc::ClientContext& ctx) {
  return ctx.*MemberOf(SendMetadataTag{});
}

std::string ChannelTarget(grpc::ChannelInterface* channel) {
  auto* c = dynamic_cast<grpc::Channel*>(channel);
  if (c == nullptr) return std::string();
  char* target = grpc_channel_get_target(c->*MemberOf(CChannelTag{}));
  if (target == nullptr) return std::string();
  std::string out = target;
  gpr_free(target);
  return out;
}

}  // namespace internal
}  // namespace traceprop
