// traceprop/logging/grpc_to_spdlog.h — route gRPC's log output into spdlog.
//
// A GrpcLogSink (grpc_log_hook.h) that writes each gRPC message to a spdlog
// logger on the thread that logged it, so the trace flag installed by
// InstallSpdlog (or the JSON formatter) adds that thread's trace ids. Link
// both traceprop::logging_grpc and traceprop::logging_spdlog (or just
// traceprop::traceprop).
//
// Example (compiled in tests/snippets/header_examples.cc, "grpc_to_spdlog"):
//   if (!traceprop::logging::InstallSpdlog().ok()) return 1;
//   traceprop::logging::GrpcLogHookOptions options;
//   options.sink =
//       traceprop::logging::SpdlogGrpcLogSink(spdlog::default_logger());
//   if (!traceprop::logging::InstallGrpcLogHook(options).ok()) return 1;
//   // "[…] [error] [4bf9…] [00f0…] chttp2_server.cc:1053 No address added…"

#ifndef TRACEPROP_LOGGING_GRPC_TO_SPDLOG_H_
#define TRACEPROP_LOGGING_GRPC_TO_SPDLOG_H_

#include <memory>
#include <string>
#include <utility>

#include "spdlog/logger.h"
#include "traceprop/logging/grpc_log_hook.h"

namespace traceprop {
namespace logging {

// SpdlogGrpcLogSink returns a sink that logs each gRPC message to `logger`
// (kept alive by the sink) at debug/info/error, as "<file>:<line> <message>"
// with the source location set. The message text is passed as an argument,
// never as a format string. A null logger gives a sink that drops messages.
// Thread-safe if the logger's sinks are (_mt).
inline GrpcLogSink SpdlogGrpcLogSink(std::shared_ptr<spdlog::logger> logger) {
  return [logger = std::move(logger)](const GrpcLogRecord& r) {
    if (logger == nullptr) return;
    const spdlog::level::level_enum level =
        r.severity == GrpcLogSeverity::kDebug  ? spdlog::level::debug
        : r.severity == GrpcLogSeverity::kInfo ? spdlog::level::info
                                               : spdlog::level::err;
    absl::string_view file = r.file;
    const size_t slash = file.rfind('/');
    if (slash != absl::string_view::npos) file.remove_prefix(slash + 1);
    // spdlog::source_loc needs a NUL-terminated name (for %s, %g, %#).
    const std::string location(r.file);
    logger->log(spdlog::source_loc{location.c_str(), r.line, ""}, level,
                "{}:{} {}", spdlog::string_view_t(file.data(), file.size()),
                r.line,
                spdlog::string_view_t(r.message.data(), r.message.size()));
  };
}

}  // namespace logging
}  // namespace traceprop

#endif  // TRACEPROP_LOGGING_GRPC_TO_SPDLOG_H_
