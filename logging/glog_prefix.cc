#include "traceprop/logging/glog_prefix.h"

#include <glog/logging.h>

#include <atomic>
#include <cstdio>
#include <ostream>
#include <utility>

#include "traceprop/context/current.h"

namespace traceprop {
namespace logging {
namespace {

std::atomic<bool> g_initialised{false};

void TracePrefix(std::ostream& s, const google::LogMessageInfo& info,
                 void* data) {
  const auto* pattern = static_cast<const LogPattern*>(data);
  const google::LogMessageTime& t = info.time;
  // glog's standard prefix, formatted without touching the stream's state.
  char head[64];
  int n;
  if (FLAGS_log_year_in_prefix) {
    n = std::snprintf(
        head, sizeof(head), "%c%04d%02d%02d %02d:%02d:%02d.%06d %5d ",
        info.severity[0], 1900 + t.year(), 1 + t.month(), t.day(), t.hour(),
        (t.min)(), t.sec(), static_cast<int>(t.usec()), info.thread_id);
  } else {
    n = std::snprintf(head, sizeof(head), "%c%02d%02d %02d:%02d:%02d.%06d %5d ",
                      info.severity[0], 1 + t.month(), t.day(), t.hour(),
                      (t.min)(), t.sec(), static_cast<int>(t.usec()),
                      info.thread_id);
  }
  s.write(head, n > 0 ? n : 0);
  s << info.filename << ':' << info.line_number << ']';
  // The fields, on the stack (Parse guarantees max_size() fits).
  char fields[LogPattern::kMaxFormattedSize];
  const size_t len = pattern->FormatTo(traceprop::Current(), fields);
  if (len > 0) {
    s.put(' ');
    s.write(fields, static_cast<std::streamsize>(len));
  }
  // glog writes one space after the callback's text.
}

}  // namespace

absl::Status InitGoogleLoggingWithTraceFields(const char* argv0,
                                              const GlogOptions& options) {
  absl::StatusOr<LogPattern> pattern =
      LogPattern::Parse(options.fields_pattern, options.absent);
  if (!pattern.ok()) return pattern.status();
  if (g_initialised.exchange(true)) {
    return absl::FailedPreconditionError(
        "InitGoogleLoggingWithTraceFields was already called");
  }
  // Lives until exit: glog keeps the pointer.
  auto* data = new LogPattern(*std::move(pattern));
  google::InitGoogleLogging(argv0, &TracePrefix, data);
  return absl::OkStatus();
}

}  // namespace logging
}  // namespace traceprop
