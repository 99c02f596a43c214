#include "traceprop/interceptors/global_tracing.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/support/interceptor.h>

#include <atomic>
#include <mutex>
#include <utility>

#include "traceprop/interceptors/internal/call_claims.h"

namespace traceprop {
namespace {

using grpc::experimental::ClientInterceptorFactoryInterface;
using grpc::experimental::ClientRpcInfo;
using grpc::experimental::Interceptor;
using grpc::experimental::InterceptorBatchMethods;

std::atomic<bool> g_enabled{false};

thread_local const ClientRpcInfo* t_claimed = nullptr;

// PassThrough is what the global factory creates for calls it leaves alone:
// gRPC 1.51 does not accept a null interceptor from the global factory.
class PassThrough final : public Interceptor {
 public:
  void Intercept(InterceptorBatchMethods* methods) override {
    methods->Proceed();
  }
};

class GlobalFactory final : public ClientInterceptorFactoryInterface {
 public:
  explicit GlobalFactory(ClientOptions options)
      : inner_(
            internal::MakeSharedClientInterceptorFactory(std::move(options))) {}

  Interceptor* CreateClientInterceptor(ClientRpcInfo* info) override {
    if (internal::TakeClaim(info)) return new PassThrough;
    Interceptor* interceptor = inner_->CreateClientInterceptor(info);
    internal::TakeClaim(info);  // the inner factory claims too
    return interceptor != nullptr ? interceptor : new PassThrough;
  }

 private:
  const std::unique_ptr<ClientInterceptorFactoryInterface> inner_;
};

class UntracedFactory final : public ClientInterceptorFactoryInterface {
 public:
  Interceptor* CreateClientInterceptor(ClientRpcInfo* info) override {
    internal::ClaimCall(info);
    return nullptr;
  }
};

}  // namespace

namespace internal {

void ClaimCall(const ClientRpcInfo* info) {
  if (g_enabled.load(std::memory_order_relaxed)) t_claimed = info;
}

bool TakeClaim(const ClientRpcInfo* info) {
  const bool claimed = t_claimed == info;
  t_claimed = nullptr;
  return claimed;
}

}  // namespace internal

absl::Status EnableGlobalClientTracing(ClientOptions options) {
  static std::mutex* mu = new std::mutex;
  std::lock_guard<std::mutex> lock(*mu);
  if (g_enabled.load()) {
    return absl::AlreadyExistsError(
        "traceprop::EnableGlobalClientTracing was already called; the first "
        "options stay in effect");
  }
  // gRPC aborts on a second registration: refuse instead.
  if (grpc::internal::g_global_client_interceptor_factory != nullptr) {
    return absl::FailedPreconditionError(
        "another global client interceptor factory is registered "
        "(grpc::experimental::RegisterGlobalClientInterceptorFactory allows "
        "one per process); use CreateTracedChannel for your channels");
  }
  // Lives until exit: gRPC keeps the raw pointer.
  auto* factory = new GlobalFactory(std::move(options));
  g_enabled.store(true);
  grpc::experimental::RegisterGlobalClientInterceptorFactory(factory);
  return absl::OkStatus();
}

bool GlobalClientTracingEnabled() { return g_enabled.load(); }

std::unique_ptr<ClientInterceptorFactoryInterface>
MakeUntracedInterceptorFactory() {
  return std::make_unique<UntracedFactory>();
}

std::shared_ptr<grpc::Channel> CreateUntracedChannel(
    const std::string& target,
    const std::shared_ptr<grpc::ChannelCredentials>& creds,
    const grpc::ChannelArguments& args,
    std::vector<std::unique_ptr<ClientInterceptorFactoryInterface>> more) {
  std::vector<std::unique_ptr<ClientInterceptorFactoryInterface>> list;
  list.reserve(more.size() + 1);
  list.push_back(MakeUntracedInterceptorFactory());
  for (auto& f : more) list.push_back(std::move(f));
  return grpc::experimental::CreateCustomChannelWithInterceptors(
      target, creds, args, std::move(list));
}

}  // namespace traceprop
