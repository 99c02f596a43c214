// traceprop/logging/log_fields.h — trace ids for log lines, framework-free.
//
// The core of log correlation: the fields of the current trace context
// (`trace_id`, `span_id`, `trace_flags` and, when known, `parent_span_id`)
// rendered as lowercase hex, a configurable prefix pattern parsed once, and
// a JSON-lines writer whose field names follow the OpenTelemetry log data
// model. It depends only on traceprop/context; the integrations
// (spdlog_setup.h, grpc_log_hook.h, glog_prefix.h) are built on it, and any
// other logger can call it in one line:
//
// Example (compiled in tests/snippets/header_examples.cc, "log_pattern"):
//   // At start-up (LogPattern::Default() is "[{trace_id}] [{span_id}]"):
//   static const auto pattern = *traceprop::logging::LogPattern::Parse(
//       "trace={trace_id} span={span_id}");
//   // In the logger's formatter, per line (no allocation once `line` has room):
//   pattern.AppendTo(traceprop::Current(), line);  // "trace=4bf9… span=00f0…"
//   // With no active trace: "trace=- span=-".
//
// Safety: only lowercase hex ids, the pattern's own literal text and the
// configured "absent" text are ever written — never tracestate or any other
// header text received from the network — so trace propagation cannot be
// used to inject text into logs. The JSON writer escapes the body.

#ifndef TRACEPROP_LOGGING_LOG_FIELDS_H_
#define TRACEPROP_LOGGING_LOG_FIELDS_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "traceprop/context/current.h"
#include "traceprop/context/trace_context.h"

namespace traceprop {
namespace logging {

// LogField names one value a pattern can show. In a pattern each is written
// as `{name}` with the name given here.
enum class LogField : uint8_t {
  kTraceId,       // {trace_id}: 32 hex characters (W3C §3.2.2.3).
  kSpanId,        // {span_id}: 16 hex characters, this unit of work's span
                  // (the parent-id it sends, W3C §3.2.2.4).
  kTraceFlags,    // {trace_flags}: 2 hex characters of the flags byte as
                  // held, e.g. "01" = sampled (W3C §3.2.2.5).
  kParentSpanId,  // {parent_span_id}: 16 hex; absent for roots, remote
                  // contexts and when unknown.
  kTraceParent,   // {traceparent}: the 55-character version-00 header value
                  // (W3C §3.2), e.g. 00-4bf9…4736-00f0…02b7-01.
  kBaggage,       // {baggage:<key>}: the value of that W3C Baggage member
                  // (also without a valid trace), escaped: printable
                  // ASCII except space, %, " and \ as is, other bytes as
                  // %XX; at most kMaxBaggageValueSize characters.
};

// LogFields is a snapshot of the fields of one context as lowercase hex,
// for loggers that take key/value pairs (structured logging) rather than a
// prefix. Each accessor returns an empty view when the value is absent (no
// valid context; no parent span). The views point into this object: keep
// it alive while they are used. Thread-compatible value type; no heap.
//
// Example (compiled in tests/snippets/header_examples.cc, "log_fields"):
//   auto f = traceprop::logging::LogFields::Current();
//   if (f.has_trace()) my_logger.With("trace_id", f.trace_id());
class LogFields {
 public:
  // LogFields() has no trace: every accessor returns "".
  LogFields() = default;
  // LogFields(context) captures `context`; an invalid context gives no trace.
  explicit LogFields(const TraceContext& context);
  // Current captures traceprop::Current() of the calling thread.
  static LogFields Current() { return LogFields(traceprop::Current()); }

  // has_trace is true when the captured context was valid: trace_id,
  // span_id and trace_flags then hold 32, 16 and 2 hex characters.
  bool has_trace() const { return has_trace_; }
  // has_parent_span_id is true when the context knew its parent span (a
  // local child span); parent_span_id then holds 16 hex characters.
  bool has_parent_span_id() const { return has_parent_; }
  absl::string_view trace_id() const {
    return has_trace_ ? absl::string_view(trace_id_, 32) : absl::string_view();
  }
  absl::string_view span_id() const {
    return has_trace_ ? absl::string_view(span_id_, 16) : absl::string_view();
  }
  absl::string_view trace_flags() const {
    return has_trace_ ? absl::string_view(flags_, 2) : absl::string_view();
  }
  absl::string_view parent_span_id() const {
    return has_parent_ ? absl::string_view(parent_, 16) : absl::string_view();
  }

 private:
  bool has_trace_ = false;
  bool has_parent_ = false;
  char trace_id_[32] = {};
  char span_id_[16] = {};
  char flags_[2] = {};
  char parent_[16] = {};
};

// LogPattern is a parsed prefix pattern: literal text with `{field}`
// placeholders (see LogField for the names), parsed once and then formatted
// per log line without allocation.
//
// Syntax: `{trace_id}`, `{span_id}`, `{trace_flags}`, `{parent_span_id}`,
// `{traceparent}`, `{baggage:<key>}` (e.g. `{baggage:tenant}`: baggage
// comes from the network, so it is escaped and cut, see LogField);
// `{{` and `}}` write a literal brace; everything else is
// literal text. A field with no value (no valid current context, or no
// parent span) is written as the `absent` text, "-" by default — the same
// convention as the Python logging filter this project grew from.
//
// Thread-safe: a LogPattern is immutable after Parse; any number of threads
// may format with one object. Cheap to copy (one small vector).
class LogPattern {
 public:
  // kDefaultPattern is "[{trace_id}] [{span_id}]".
  static constexpr absl::string_view kDefaultPattern =
      "[{trace_id}] [{span_id}]";
  // kMaxPatternSize bounds the pattern and absent text (bytes each).
  static constexpr size_t kMaxPatternSize = 512;
  // kMaxFormattedSize bounds max_size(): what one line's fields can take.
  static constexpr size_t kMaxFormattedSize = 1024;
  // kMaxBaggageKeySize bounds the key of a {baggage:<key>} field, and
  // kMaxBaggageValueSize what one writes.
  static constexpr size_t kMaxBaggageKeySize = 64;
  static constexpr size_t kMaxBaggageValueSize = 64;

  // Parse compiles `pattern`. Returns InvalidArgument, saying why, for an
  // unknown `{name}`, an unterminated `{`, a lone `}`, a pattern or `absent`
  // longer than kMaxPatternSize, a pattern whose output could exceed
  // kMaxFormattedSize, or a control character (below 0x20, or 0x7f) in
  // pattern or absent — a log prefix never contains line breaks.
  // Thread-safe.
  static absl::StatusOr<LogPattern> Parse(absl::string_view pattern,
                                          absl::string_view absent = "-");

  // Default returns the parsed kDefaultPattern with "-" for absent values.
  // Thread-safe; the object lives for the whole program.
  static const LogPattern& Default();

  // max_size is the most characters FormatTo ever writes for this pattern.
  size_t max_size() const { return max_size_; }

  // FormatTo writes the pattern for `context` at `out`, which must have room
  // for max_size() characters, and returns the number written (no
  // terminator). An invalid context writes the absent text for every field.
  // Never allocates. Thread-safe.
  size_t FormatTo(const TraceContext& context, char* out) const;

  // AppendTo appends the pattern for `context` to `buffer`: any type with
  // size(), resize(n) and a writable data() — std::string, or the
  // fmt::memory_buffer spdlog hands to formatters. Allocates only if the
  // buffer must grow. Thread-safe (on distinct buffers).
  template <typename Buffer>
  void AppendTo(const TraceContext& context, Buffer& buffer) const {
    const size_t old_size = buffer.size();
    buffer.resize(old_size + max_size_);
    const size_t n = FormatTo(context, buffer.data() + old_size);
    buffer.resize(old_size + n);
  }

  // Format returns the pattern for `context` as a new string.
  std::string Format(const TraceContext& context) const;

  // pattern and absent return the text this object was parsed from.
  const std::string& pattern() const { return pattern_; }
  const std::string& absent() const { return absent_; }

 private:
  struct Segment {
    bool is_field;
    LogField field;   // when is_field
    uint16_t offset;  // into literals_: the literal, or kBaggage's key
    uint16_t size;    // its size
  };
  LogPattern() = default;

  std::string pattern_;
  std::string absent_;
  std::string literals_;
  std::vector<Segment> segments_;
  size_t max_size_ = 0;
};

// AppendTraceFields appends `pattern` (default: LogPattern::Default()) for
// the calling thread's current context to `buffer` — the one-line hook for
// any logger's formatter. Same rules as LogPattern::AppendTo.
template <typename Buffer>
void AppendTraceFields(Buffer& buffer,
                       const LogPattern& pattern = LogPattern::Default()) {
  pattern.AppendTo(traceprop::Current(), buffer);
}

// JsonLogRecord is what one structured log line says besides the trace
// fields. The views must stay valid for the AppendJsonLogLine call.
struct JsonLogRecord {
  // time_unix_nano is the event time, nanoseconds since the Unix epoch
  // (written as RFC 3339 UTC with nanoseconds).
  int64_t time_unix_nano = 0;
  // severity_text as the source logger names it ("INFO", "ERROR"...).
  absl::string_view severity_text;
  // severity_number on the OpenTelemetry scale (1-24; INFO = 9, WARN = 13,
  // ERROR = 17, FATAL = 21); 0 leaves the field out.
  int severity_number = 0;
  // body is the message, any bytes: it is escaped (JSON string escapes;
  // invalid UTF-8 becomes U+FFFD).
  absl::string_view body;
  // logger_name is written as "logger" unless empty (escaped like body).
  absl::string_view logger_name;
};

// AppendJsonLogLine appends one JSON object (no trailing newline) for
// `record` and `context` to `out`, with OpenTelemetry log data model names:
//
//   {"timestamp":"2026-11-27T09:13:08.123456789Z","severity_text":"INFO",
//    "severity_number":9,"body":"hello \"world\"","logger":"app",
//    "trace_id":"4bf92f3577b34da6a3ce929d0e0e4736",
//    "span_id":"00f067aa0ba902b7","trace_flags":"01",
//    "parent_span_id":"53995c3f42cd8ad8"}
//
// trace_id, span_id and trace_flags are left out when `context` is invalid
// (OpenTelemetry: absent, not "-"); parent_span_id when it is unknown.
// Always produces valid JSON whatever bytes body holds. Thread-safe.
void AppendJsonLogLine(const JsonLogRecord& record, const TraceContext& context,
                       std::string& out);

// AppendJsonEscaped appends `in` as the inside of a JSON string (without
// quotes): `"` and `\` escaped, control characters as \n, \t… or \u00XX,
// invalid UTF-8 sequences replaced by \ufffd. Thread-safe.
void AppendJsonEscaped(absl::string_view in, std::string& out);

}  // namespace logging
}  // namespace traceprop

#endif  // TRACEPROP_LOGGING_LOG_FIELDS_H_
