// traceprop/logging/spdlog_setup.h — trace ids in every spdlog line.
//
// One call at start-up and every spdlog line — the default logger, named
// loggers that exist, and loggers created later through spdlog's factories
// (spdlog::stdout_color_mt, spdlog::basic_logger_mt, …) — carries the
// trace_id and span_id of the context current on the logging thread, with
// no change at call sites. It uses spdlog's own extension points: a custom
// pattern flag (spdlog::pattern_formatter::add_flag) for text lines, and a
// spdlog::formatter for JSON lines, installed with spdlog::set_formatter.
//
// Example (compiled in tests/snippets/header_examples.cc, "spdlog_setup"):
//   traceprop::logging::InstallSpdlog().IgnoreError();  // defaults: no error
//   traceprop::SpanScope span;  // a new root span, current in this scope
//   spdlog::info("handling order {}", 42);
//   // "[2026-11-27 09:13:08.123] [info] [4bf9…] [00f0…] handling order 42"
//
// Changing the line pattern: spdlog::set_pattern (and logger->set_pattern)
// install a plain spdlog formatter that does not know the trace flag, so
// the ids disappear (and `%&` prints as "%&"). spdlog::set_pattern and
// spdlog::set_formatter after InstallSpdlog are reported, once each, on
// stderr ("traceprop: spdlog::set_pattern ... replaced the formatter ...");
// logger->set_pattern on one logger is not. Use SetPattern instead:
//
// Example (compiled in tests/snippets/header_examples.cc, "set_pattern"):
//   // Not spdlog::set_pattern("..."): that would drop the ids.
//   traceprop::logging::SetPattern("%H:%M:%S %l %& %v").IgnoreError();
//   // "09:13:08 info [4bf9…] [00f0…] handling order 42"
//
// Limits (spdlog's design, not fixable from a formatter):
//  - Async loggers (spdlog/async.h) format on the worker thread, which has
//    no trace context: their lines show "-" (JSON: no trace fields) — never
//    another trace's ids. Use synchronous loggers for correlation.
//  - A logger built by hand (std::make_shared<spdlog::logger>) gets the
//    global formatter only if passed to spdlog::initialize_logger(), which
//    is spdlog's documented way to apply the global settings.

#ifndef TRACEPROP_LOGGING_SPDLOG_SETUP_H_
#define TRACEPROP_LOGGING_SPDLOG_SETUP_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "spdlog/logger.h"
#include "spdlog/pattern_formatter.h"
#include "traceprop/logging/log_fields.h"

namespace traceprop {
namespace logging {

// SpdlogOptions configures InstallSpdlog / MakeSpdlogFormatter.
struct SpdlogOptions {
  enum class Format {
    kText,  // spdlog_pattern with the trace flag (default)
    kJson,  // one JSON object per line (see AppendJsonLogLine)
  };
  Format format = Format::kText;

  // fields_pattern is what the trace flag expands to (log_fields.h syntax);
  // `absent` is written for a field with no value.
  std::string fields_pattern = std::string(LogPattern::kDefaultPattern);
  std::string absent = "-";

  // flag is the spdlog pattern character for the trace fields: `%&` by
  // default. It overrides a built-in spdlog flag of the same letter.
  char flag = '&';

  // spdlog_pattern is the spdlog line pattern (text format); it must use
  // `%<flag>`. The default is spdlog's own default line plus the fields:
  // "[2026-11-27 09:13:08.123] [name] [info] [4bf9…] [00f0…] message".
  // Like spdlog's default, a "[%n] " in the pattern is left out for the
  // unnamed default logger (no "[] ").
  std::string spdlog_pattern = "[%Y-%m-%d %H:%M:%S.%e] [%n] [%^%l%$] %& %v";

  // time_type is passed to spdlog::pattern_formatter (text format).
  spdlog::pattern_time_type time_type = spdlog::pattern_time_type::local;
};

// InstallSpdlog makes every spdlog line carry the trace fields: it builds
// the formatter MakeSpdlogFormatter(options) describes and installs it with
// spdlog::set_formatter — on every registered logger (the default logger
// included) and, through spdlog's registry, on every logger created later
// by spdlog's factory functions. Returns InvalidArgument (and changes
// nothing) for a bad fields_pattern/absent (see LogPattern::Parse) or a
// text spdlog_pattern that does not use `%<flag>`.
// Thread safety: as spdlog::set_formatter — call at start-up, or at least
// not concurrently with changes to the logger registry; logging from other
// threads meanwhile is safe with the _mt sinks. Calling it again replaces
// the formatter.
absl::Status InstallSpdlog(const SpdlogOptions& options = {});

// SetPattern replaces spdlog::set_pattern: it changes the line pattern of
// every logger (as InstallSpdlog does) while keeping the trace flag and the
// other options of the last successful InstallSpdlog (the defaults if there
// was none); the pattern may use `%&` (or the configured flag) anywhere.
// Lines are text afterwards, even if InstallSpdlog chose JSON.
// spdlog::set_pattern itself would install a formatter without the flag,
// silently removing the ids. Returns InvalidArgument (and changes nothing)
// for a pattern that does not use the flag. Same thread safety as
// InstallSpdlog.
absl::Status SetPattern(std::string spdlog_pattern);

// SetPattern(logger, pattern) replaces logger.set_pattern(pattern) for one
// logger, with the same rules. Thread safety: as logger.set_formatter.
absl::Status SetPattern(spdlog::logger& logger, std::string spdlog_pattern);

// MakeSpdlogFormatter returns the formatter InstallSpdlog installs, for
// loggers or sinks you configure yourself (logger->set_formatter(...)).
// Same errors as InstallSpdlog. Thread-safe. The formatter is
// thread-compatible like every spdlog formatter (its sink serialises it).
absl::StatusOr<std::unique_ptr<spdlog::formatter>> MakeSpdlogFormatter(
    const SpdlogOptions& options = {});

// TraceFieldsFlag is the custom pattern flag, for users who build their own
// spdlog::pattern_formatter:
//
//   auto f = std::make_unique<spdlog::pattern_formatter>();
//   f->add_flag<traceprop::logging::TraceFieldsFlag>('&').set_pattern("%& %v");
//
// It writes `pattern` (default LogPattern::Default()) for the context that
// is current on the thread formatting the line. Cloning shares the parsed
// pattern. Thread-compatible, like spdlog's own flag formatters.
class TraceFieldsFlag : public spdlog::custom_flag_formatter {
 public:
  TraceFieldsFlag();
  explicit TraceFieldsFlag(std::shared_ptr<const LogPattern> pattern);

  void format(const spdlog::details::log_msg& msg, const std::tm& tm_time,
              spdlog::memory_buf_t& dest) override;
  std::unique_ptr<spdlog::custom_flag_formatter> clone() const override;

 private:
  std::shared_ptr<const LogPattern> pattern_;
};

// SpdlogJsonFormatter writes each spdlog message as one JSON line
// (AppendJsonLogLine): timestamp (UTC), severity_text ("TRACE", "DEBUG",
// "INFO", "WARN", "ERROR", "FATAL" for critical), severity_number
// (OpenTelemetry scale), body (escaped), logger, and trace_id, span_id,
// trace_flags, parent_span_id from the context current on the thread
// formatting the line. Thread-compatible, like every spdlog formatter.
class SpdlogJsonFormatter : public spdlog::formatter {
 public:
  SpdlogJsonFormatter() = default;
  void format(const spdlog::details::log_msg& msg,
              spdlog::memory_buf_t& dest) override;
  std::unique_ptr<spdlog::formatter> clone() const override;
};

}  // namespace logging
}  // namespace traceprop

#endif  // TRACEPROP_LOGGING_SPDLOG_SETUP_H_
