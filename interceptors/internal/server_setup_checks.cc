#include "traceprop/interceptors/internal/server_setup_checks.h"

#include <grpc/support/log.h>
#include <grpcpp/impl/server_builder_option.h>
#include <grpcpp/impl/server_builder_plugin.h>

#include <algorithm>
#include <mutex>
#include <string>
#include <unordered_set>
#include <utility>

#include "traceprop/interceptors/internal/grpc_private.h"

namespace traceprop {
namespace internal {
namespace {

using grpc::experimental::ServerInterceptorFactoryInterface;

// A set of pointers guarded by a std::mutex (not absl::Mutex: the system
// Abseil is not TSan-instrumented). Leaked on purpose: builders may be
// destroyed during static destruction.
class PointerSet {
 public:
  void Insert(const void* p) {
    std::lock_guard<std::mutex> lock(mu_);
    set_.insert(p);
  }
  void Erase(const void* p) {
    std::lock_guard<std::mutex> lock(mu_);
    set_.erase(p);
  }
  bool Contains(const void* p) {
    std::lock_guard<std::mutex> lock(mu_);
    return set_.count(p) != 0;
  }

 private:
  std::mutex mu_;
  std::unordered_set<const void*> set_;
};

// Builders whose BuildAndStart has run (and that still exist).
PointerSet& BuiltBuilders() {
  static PointerSet* set = new PointerSet;
  return *set;
}

// Live MarkerOption objects, to recognise ours among a builder's options
// without RTTI.
PointerSet& LiveMarkers() {
  static PointerSet* set = new PointerSet;
  return *set;
}

using Creators = ServerInterceptorCreators;

using MakeTracing =
    std::function<std::unique_ptr<ServerInterceptorFactoryInterface>()>;

// PutTracingFirst makes a traceprop factory the first creator: the one in
// the list if there is one (earlier ones are dropped), else a new one.
void PutTracingFirst(Creators& creators, const MakeTracing& make_tracing) {
  if (!creators.empty() && IsTracingFactory(creators.front().get())) return;
  Creators list;
  list.reserve(creators.size() + 1);
  list.push_back(make_tracing());
  for (auto& f : creators) {
    if (!IsTracingFactory(f.get())) list.push_back(std::move(f));
  }
  creators = std::move(list);
}

// MarkerOption marks a builder EnableTracing was called on, and carries how
// to make its traceprop factory again.
class MarkerOption final : public grpc::ServerBuilderOption {
 public:
  MarkerOption() { LiveMarkers().Insert(this); }
  ~MarkerOption() override { LiveMarkers().Erase(this); }

  void UpdateArguments(grpc::ChannelArguments* /*args*/) override {}
  void UpdatePlugins(
      std::vector<std::unique_ptr<grpc::ServerBuilderPlugin>>* /*plugins*/)
      override {}

  MakeTracing make_tracing;
};

struct BuilderOptions : grpc::ServerBuilder {
  static std::vector<grpc::ServerBuilderOption*> Of(
      grpc::ServerBuilder& builder) {
    return (builder.*&BuilderOptions::options)();
  }
};

MarkerOption* FindMarker(grpc::ServerBuilder& builder) {
  for (grpc::ServerBuilderOption* option : BuilderOptions::Of(builder)) {
    if (LiveMarkers().Contains(option)) {
      return static_cast<MarkerOption*>(option);
    }
  }
  return nullptr;
}

// BuildWatchPlugin: gRPC creates one per ServerBuilder (in its constructor,
// from the process-wide plugin factory list) and calls UpdateServerBuilder
// early in BuildAndStart. It remembers that the builder was built until the
// builder (which owns it) is destroyed, and puts traceprop's factory first
// again on a builder EnableTracing was called on.
class BuildWatchPlugin final : public grpc::ServerBuilderPlugin {
 public:
  ~BuildWatchPlugin() override {
    if (builder_ != nullptr) BuiltBuilders().Erase(builder_);
  }
  std::string name() override { return "traceprop_build_watch"; }
  // Runs in BuildAndStart before the server takes the interceptor list.
  void UpdateServerBuilder(grpc::ServerBuilder* builder) override {
    builder_ = builder;
    BuiltBuilders().Insert(builder);
    if (MarkerOption* marker = FindMarker(*builder)) {
      PutTracingFirst(InterceptorCreatorsOf(*builder), marker->make_tracing);
    }
  }
  void InitServer(grpc::ServerInitializer* /*si*/) override {}
  void Finish(grpc::ServerInitializer* /*si*/) override {}
  void ChangeArguments(const std::string& /*name*/, void* /*value*/) override {
  }

 private:
  const grpc::ServerBuilder* builder_ = nullptr;
};

std::unique_ptr<grpc::ServerBuilderPlugin> CreateBuildWatchPlugin() {
  return std::make_unique<BuildWatchPlugin>();
}

// Registered before main(), so every ServerBuilder the program constructs
// gets the plugin. This file is linked whenever EnableTracing is.
const bool kBuildWatchRegistered = [] {
  grpc::ServerBuilder::InternalAddPluginFactory(&CreateBuildWatchPlugin);
  return true;
}();

}  // namespace

void ReportSetupMistake(absl::string_view message) {
  gpr_log(GPR_ERROR, "traceprop: %.*s", static_cast<int>(message.size()),
          message.data());
}

void InstallServerInterceptors(grpc::ServerBuilder& builder,
                               MakeTracing make_tracing, Creators more) {
  static_cast<void>(kBuildWatchRegistered);
  if (BuiltBuilders().Contains(&builder)) {
    ReportSetupMistake(
        "traceprop::EnableTracing(builder) was called after "
        "builder.BuildAndStart(): the server it built is NOT traced (handlers "
        "see no trace, downstream calls start new traces). Fix: call "
        "EnableTracing(builder) before BuildAndStart().");
    return;
  }
  MarkerOption* marker = FindMarker(builder);
  if (marker == nullptr) {
    auto option = std::make_unique<MarkerOption>();
    marker = option.get();
    builder.SetOption(std::move(option));
  }
  marker->make_tracing = std::move(make_tracing);
  Creators& creators = InterceptorCreatorsOf(builder);
  // An earlier traceprop factory is replaced by one with the new options.
  creators.erase(std::remove_if(creators.begin(), creators.end(),
                                [](const auto& f) {
                                  return IsTracingFactory(f.get());
                                }),
                 creators.end());
  creators.insert(creators.begin(), marker->make_tracing());
  for (auto& f : more) creators.push_back(std::move(f));
}

}  // namespace internal
}  // namespace traceprop
