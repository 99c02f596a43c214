#include "traceprop/interceptors/internal/server_setup_checks.h"

#include <grpc/support/log.h>
#include <grpcpp/impl/server_builder_option.h>
#include <grpcpp/impl/server_builder_plugin.h>

#include <atomic>
#include <mutex>
#include <string>
#include <unordered_set>
#include <utility>

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

// BuildWatchPlugin: gRPC creates one per ServerBuilder (in its constructor,
// from the process-wide plugin factory list) and calls UpdateServerBuilder
// early in BuildAndStart. It remembers that the builder was built until the
// builder (which owns it) is destroyed. It changes nothing else.
class BuildWatchPlugin final : public grpc::ServerBuilderPlugin {
 public:
  ~BuildWatchPlugin() override {
    if (builder_ != nullptr) BuiltBuilders().Erase(builder_);
  }
  std::string name() override { return "traceprop_build_watch"; }
  void UpdateServerBuilder(grpc::ServerBuilder* builder) override {
    builder_ = builder;
    BuiltBuilders().Insert(builder);
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

// SetupRecord is shared by one builder's marker option and the factory
// EnableTracing installed on it.
struct SetupRecord {
  std::atomic<bool> built{false};
  std::atomic<bool> factory_alive{false};
  std::atomic<const void*> current_factory{nullptr};
};

// MarkerOption rides on the builder (ServerBuilder::SetOption) and runs in
// BuildAndStart, before the interceptor list is handed to the server.
class MarkerOption final : public grpc::ServerBuilderOption {
 public:
  explicit MarkerOption(std::shared_ptr<SetupRecord> record)
      : record_(std::move(record)) {
    LiveMarkers().Insert(this);
  }
  ~MarkerOption() override { LiveMarkers().Erase(this); }

  void UpdateArguments(grpc::ChannelArguments* /*args*/) override {
    record_->built.store(true);
    if (!record_->factory_alive.load()) {
      ReportSetupMistake(
          "builder.experimental().SetInterceptorCreators() was called after "
          "traceprop::EnableTracing(builder) and replaced traceprop's server "
          "interceptor: this server is NOT traced (handlers see no trace, "
          "downstream calls start new traces). Fix: pass your interceptors to "
          "EnableTracing(builder, options, {your factories...}) instead of "
          "calling SetInterceptorCreators.");
    }
  }
  void UpdatePlugins(
      std::vector<std::unique_ptr<grpc::ServerBuilderPlugin>>* /*plugins*/)
      override {}

  const std::shared_ptr<SetupRecord>& record() const { return record_; }

 private:
  const std::shared_ptr<SetupRecord> record_;
};

// WatchedFactory forwards to traceprop's factory and notes in the record
// when a replaced interceptor list destroys it before BuildAndStart.
class WatchedFactory final : public ServerInterceptorFactoryInterface {
 public:
  WatchedFactory(std::unique_ptr<ServerInterceptorFactoryInterface> inner,
                 std::shared_ptr<SetupRecord> record)
      : inner_(std::move(inner)), record_(std::move(record)) {
    record_->current_factory.store(this);
    record_->factory_alive.store(true);
  }
  ~WatchedFactory() override {
    if (!record_->built.load() && record_->current_factory.load() == this) {
      record_->factory_alive.store(false);
    }
  }
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    return inner_->CreateServerInterceptor(info);
  }

 private:
  const std::unique_ptr<ServerInterceptorFactoryInterface> inner_;
  const std::shared_ptr<SetupRecord> record_;
};

// OptionsOf reads the builder's options through ServerBuilder's protected
// accessor (the interface gRPC offers builder subclasses).
struct BuilderOptions : grpc::ServerBuilder {
  static std::vector<grpc::ServerBuilderOption*> Of(
      grpc::ServerBuilder& builder) {
    return (builder.*&BuilderOptions::options)();
  }
};

std::shared_ptr<SetupRecord> FindRecord(grpc::ServerBuilder& builder) {
  for (grpc::ServerBuilderOption* option : BuilderOptions::Of(builder)) {
    if (LiveMarkers().Contains(option)) {
      return static_cast<MarkerOption*>(option)->record();
    }
  }
  return nullptr;
}

}  // namespace

void ReportSetupMistake(absl::string_view message) {
  gpr_log(GPR_ERROR, "traceprop: %.*s", static_cast<int>(message.size()),
          message.data());
}

void InstallServerInterceptors(
    grpc::ServerBuilder& builder,
    std::vector<std::unique_ptr<ServerInterceptorFactoryInterface>> list) {
  static_cast<void>(kBuildWatchRegistered);
  if (BuiltBuilders().Contains(&builder)) {
    ReportSetupMistake(
        "traceprop::EnableTracing(builder) was called after "
        "builder.BuildAndStart(): the server it built is NOT traced (handlers "
        "see no trace, downstream calls start new traces). Fix: call "
        "EnableTracing(builder) before BuildAndStart().");
    return;
  }
  std::shared_ptr<SetupRecord> record = FindRecord(builder);
  if (record == nullptr) {
    record = std::make_shared<SetupRecord>();
    builder.SetOption(std::make_unique<MarkerOption>(record));
  }
  if (!list.empty()) {
    list[0] = std::make_unique<WatchedFactory>(std::move(list[0]), record);
  }
  builder.experimental().SetInterceptorCreators(std::move(list));
}

}  // namespace internal
}  // namespace traceprop
