// Internal: how EnableTracing keeps traceprop's server interceptor first in
// a builder's list whatever the order of the application's calls, and
// reports the one mistake it cannot repair (see tracing.h).
// Not part of the public API.

#ifndef TRACEPROP_INTERCEPTORS_INTERNAL_SERVER_SETUP_CHECKS_H_
#define TRACEPROP_INTERCEPTORS_INTERNAL_SERVER_SETUP_CHECKS_H_

#include <grpcpp/server_builder.h>
#include <grpcpp/support/server_interceptor.h>

#include <functional>
#include <memory>
#include <vector>

#include "absl/strings/string_view.h"

namespace traceprop {
namespace internal {

// InstallServerInterceptors makes traceprop's factory (a new one from
// `make_tracing`) the first of the builder's interceptor creators, followed
// by those already set (an earlier traceprop factory excepted) and then
// `more`. When BuildAndStart runs and a later SetInterceptorCreators call
// has dropped traceprop's factory, a new one from `make_tracing` is put first
// again. Called after BuildAndStart it reports that mistake and changes
// nothing.
// Not thread-safe (like the builder).
void InstallServerInterceptors(
    grpc::ServerBuilder& builder,
    std::function<std::unique_ptr<
        grpc::experimental::ServerInterceptorFactoryInterface>()>
        make_tracing,
    std::vector<
        std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
        more);

// IsTracingFactory says whether `f` is traceprop's server factory (defined
// in tracing.cc).
bool IsTracingFactory(
    const grpc::experimental::ServerInterceptorFactoryInterface* f);

// ReportSetupMistake writes `message` once per call site's mistake through
// gpr_log at GPR_ERROR (stderr by default, or the hook of
// logging/grpc_log_hook.h), prefixed with "traceprop: ". Thread-safe.
void ReportSetupMistake(absl::string_view message);

}  // namespace internal
}  // namespace traceprop

#endif  // TRACEPROP_INTERCEPTORS_INTERNAL_SERVER_SETUP_CHECKS_H_
