// Internal: the checks behind EnableTracing that make server
// misconfiguration loud (see "Mistakes that are reported" in tracing.h).
// Not part of the public API.

#ifndef TRACEPROP_INTERCEPTORS_INTERNAL_SERVER_SETUP_CHECKS_H_
#define TRACEPROP_INTERCEPTORS_INTERNAL_SERVER_SETUP_CHECKS_H_

#include <grpcpp/server_builder.h>
#include <grpcpp/support/server_interceptor.h>

#include <memory>
#include <vector>

#include "absl/strings/string_view.h"

namespace traceprop {
namespace internal {

// InstallServerInterceptors sets `list` (traceprop's factory first) as the
// builder's interceptor creators, unless the builder already ran
// BuildAndStart (then it reports that mistake and changes nothing). It
// arranges for BuildAndStart to report a later SetInterceptorCreators call
// that dropped traceprop's factory. Not thread-safe (like the builder).
void InstallServerInterceptors(
    grpc::ServerBuilder& builder,
    std::vector<
        std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
        list);

// ReportSetupMistake writes `message` once per call site's mistake through
// gpr_log at GPR_ERROR (stderr by default, or the hook of
// logging/grpc_log_hook.h), prefixed with "traceprop: ". Thread-safe.
void ReportSetupMistake(absl::string_view message);

}  // namespace internal
}  // namespace traceprop

#endif  // TRACEPROP_INTERCEPTORS_INTERNAL_SERVER_SETUP_CHECKS_H_
