// The only logging code that includes gRPC headers.

#include "traceprop/logging/grpc_log_hook.h"

#include <grpc/support/log.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <mutex>
#include <utility>

#include "absl/strings/str_cat.h"
#include "traceprop/context/current.h"

namespace traceprop {
namespace logging {
namespace {

struct HookConfig {
  LogPattern pattern;
  GrpcLogSink sink;
  // The configuration this one replaced: every configuration stays
  // reachable (and alive) from g_config until exit.
  const HookConfig* previous;
};

// The installed configuration. Configurations are never freed (see
// InstallGrpcLogHook): a message being logged on another thread may still
// read the previous one.
std::atomic<const HookConfig*> g_config{nullptr};

GrpcLogSeverity FromGpr(gpr_log_severity s) {
  switch (s) {
    case GPR_LOG_SEVERITY_DEBUG:
      return GrpcLogSeverity::kDebug;
    case GPR_LOG_SEVERITY_INFO:
      return GrpcLogSeverity::kInfo;
    default:
      return GrpcLogSeverity::kError;
  }
}

gpr_log_severity ToGpr(GrpcLogSeverity s) {
  switch (s) {
    case GrpcLogSeverity::kDebug:
      return GPR_LOG_SEVERITY_DEBUG;
    case GrpcLogSeverity::kInfo:
      return GPR_LOG_SEVERITY_INFO;
    default:
      return GPR_LOG_SEVERITY_ERROR;
  }
}

// WriteStderr writes one line in gRPC's default layout plus the fields, in
// a single write so concurrent lines do not interleave.
void WriteStderr(const GrpcLogRecord& r) {
  timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  std::tm tm{};
  localtime_r(&now.tv_sec, &tm);
  char time_buf[32];
  std::strftime(time_buf, sizeof(time_buf), "%m%d %H:%M:%S", &tm);
  absl::string_view file = r.file;
  const size_t slash = file.rfind('/');
  if (slash != absl::string_view::npos) file.remove_prefix(slash + 1);
  const char severity = r.severity == GrpcLogSeverity::kDebug  ? 'D'
                        : r.severity == GrpcLogSeverity::kInfo ? 'I'
                                                               : 'E';
  char nanos[16];
  std::snprintf(nanos, sizeof(nanos), ".%09ld", static_cast<long>(now.tv_nsec));
  char tid[16];
  std::snprintf(tid, sizeof(tid), "%7ld",
                static_cast<long>(syscall(SYS_gettid)));
  std::string line =
      absl::StrCat(absl::string_view(&severity, 1), time_buf, nanos, " ", tid,
                   " ", file, ":", r.line, "] ", r.fields,
                   r.fields.empty() ? "" : " ", r.message, "\n");
  std::fwrite(line.data(), 1, line.size(), stderr);
}

void HookLogFunction(gpr_log_func_args* args) {
  const HookConfig* config = g_config.load(std::memory_order_acquire);
  if (config == nullptr || args == nullptr) return;
  // The fields of the context current on the thread that called gpr_log.
  // (Parse guarantees max_size() <= kMaxFormattedSize.)
  char fields[LogPattern::kMaxFormattedSize];
  const size_t n = config->pattern.FormatTo(traceprop::Current(), fields);
  GrpcLogRecord record;
  record.file = args->file != nullptr ? args->file : "";
  record.line = args->line;
  record.severity = FromGpr(args->severity);
  record.message = args->message != nullptr ? args->message : "";
  record.fields = absl::string_view(fields, n);
  if (config->sink) {
    config->sink(record);
  } else {
    WriteStderr(record);
  }
}

}  // namespace

absl::Status InstallGrpcLogHook(GrpcLogHookOptions options) {
  absl::StatusOr<LogPattern> pattern =
      LogPattern::Parse(options.fields_pattern, options.absent);
  if (!pattern.ok()) return pattern.status();
  static std::mutex install_mu;
  std::lock_guard<std::mutex> lock(install_mu);
  // Never freed: see g_config.
  const HookConfig* config =
      new HookConfig{*std::move(pattern), std::move(options.sink),
                     g_config.load(std::memory_order_relaxed)};
  g_config.store(config, std::memory_order_release);
  // gpr_log drops everything until the verbosity is initialised (grpc_init
  // does it); do it now so messages logged before grpc_init get through.
  // It only acts while the verbosity is unset.
  gpr_log_verbosity_init();
  if (options.min_severity.has_value()) {
    gpr_set_log_verbosity(ToGpr(*options.min_severity));
  }
  gpr_set_log_function(&HookLogFunction);
  return absl::OkStatus();
}

}  // namespace logging
}  // namespace traceprop
