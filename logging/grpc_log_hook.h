// traceprop/logging/grpc_log_hook.h — trace ids in gRPC's own log output.
//
// gRPC 1.51 writes its internal messages through gpr_log; this hook
// (gpr_set_log_function) adds the trace fields of the context current on
// the thread that logged — the RPC or task running there — and writes the
// line to stderr in gRPC's usual format, or hands it to your sink (for
// example spdlog, see grpc_to_spdlog.h). This header includes no gRPC
// header; only the implementation does.
//
// Example (compiled in tests/snippets/header_examples.cc, "grpc_log_hook"):
//   if (!traceprop::logging::InstallGrpcLogHook().ok()) return 1;
//   // stderr: "E1127 09:13:08.123456789  4242 chttp2_server.cc:1053]
//   //          [4bf9…] [00f0…] No address added out of total 1 resolved"
//
// Or route gRPC's messages into spdlog (grpc_to_spdlog.h), whose trace flag
// adds the ids:
//
// Example (compiled in tests/snippets/header_examples.cc, "grpc_to_spdlog"):
//   if (!traceprop::logging::InstallSpdlog().ok()) return 1;
//   traceprop::logging::GrpcLogHookOptions options;
//   options.sink =
//       traceprop::logging::SpdlogGrpcLogSink(spdlog::default_logger());
//   if (!traceprop::logging::InstallGrpcLogHook(options).ok()) return 1;
//   // "[…] [error] [4bf9…] [00f0…] chttp2_server.cc:1053 No address added…"

#ifndef TRACEPROP_LOGGING_GRPC_LOG_HOOK_H_
#define TRACEPROP_LOGGING_GRPC_LOG_HOOK_H_

#include <functional>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "traceprop/logging/log_fields.h"

namespace traceprop {
namespace logging {

// GrpcLogSeverity mirrors gpr_log_severity.
enum class GrpcLogSeverity { kDebug, kInfo, kError };

// GrpcLogRecord is one gRPC log message as the sink sees it. All views are
// valid only during the sink call.
struct GrpcLogRecord {
  absl::string_view file;  // source file as gRPC passes it (may be a path)
  int line = 0;
  GrpcLogSeverity severity = GrpcLogSeverity::kError;
  absl::string_view message;  // gRPC's text, unmodified
  // fields is the hook's fields_pattern formatted for the context current
  // on the logging thread (e.g. "[4bf9…] [00f0…]", or "[-] [-]").
  absl::string_view fields;
};

// GrpcLogSink receives each message on the thread that logged it, so
// traceprop::Current() inside the sink is the logging thread's context.
// It must be thread-safe and must not call gpr_log (recursion).
using GrpcLogSink = std::function<void(const GrpcLogRecord&)>;

// GrpcLogHookOptions configures InstallGrpcLogHook.
struct GrpcLogHookOptions {
  // fields_pattern / absent: see LogPattern::Parse.
  std::string fields_pattern = std::string(LogPattern::kDefaultPattern);
  std::string absent = "-";
  // sink receives the messages; empty means one line per message on stderr:
  // "<D|I|E><MMDD> <HH:MM:SS.nnnnnnnnn> <tid> <file>:<line>] <fields> <msg>".
  GrpcLogSink sink;
  // min_severity, when set, is passed to gpr_set_log_verbosity (what gRPC
  // forwards at all; its default comes from GRPC_VERBOSITY, normally ERROR).
  // Unset: the hook only initialises gRPC's verbosity from GRPC_VERBOSITY
  // if nothing has yet (gpr_log_verbosity_init, as grpc_init does), since
  // gpr_log drops every message before that.
  std::optional<GrpcLogSeverity> min_severity;
};

// InstallGrpcLogHook routes gRPC's log output (gpr_set_log_function)
// through traceprop as described above. Returns InvalidArgument (and
// changes nothing) for a bad fields_pattern/absent. Thread-safe; may be
// called again to replace the options (each installed configuration is
// kept until exit, so a message being logged concurrently never sees freed
// options). Replaces any log function set before. gRPC 1.51 has no public
// way to restore its default function, so there is no "uninstall": to stop
// adding fields, install again with fields_pattern "".
absl::Status InstallGrpcLogHook(GrpcLogHookOptions options = {});

}  // namespace logging
}  // namespace traceprop

#endif  // TRACEPROP_LOGGING_GRPC_LOG_HOOK_H_
