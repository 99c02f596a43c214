// traceprop/spans/span.h — recording spans: the user API.
//
// `Span` is the recording counterpart of SpanScope (context/current.h): it
// starts a child span of Current() (or of a given parent), makes it
// current while in scope, records attributes, events, links and a status,
// and ends exactly once — at End() or when the scope closes. Whether it
// records is the installed TracerProvider's decision (provider.h): with
// none installed, or when the sampler says no, a Span is exactly a
// SpanScope (a new span id, propagated, nothing recorded).
//
//   void Handle(const Request& req) {
//     traceprop::Span span("resize-image");   // child of Current(), current
//     span->SetAttribute("image.bytes", int64_t{req.size()});
//     absl::Status s = Resize(req);           // its RPCs are children
//     if (!s.ok()) span->RecordError(s);      // "exception" event + Error
//   }                                         // ends, previous context back
//
// RecordingSpan is the same without the scope, for spans that start on
// one thread and end on another (the interceptors' RPC spans, a queued
// task's CONSUMER span): movable, ends at End() or destruction.

#ifndef TRACEPROP_SPANS_SPAN_H_
#define TRACEPROP_SPANS_SPAN_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "traceprop/context/current.h"
#include "traceprop/context/trace_context.h"
#include "traceprop/spans/span_data.h"

namespace traceprop {

class SpanProcessor;
class TracerProvider;

// SpanStartOptions says how a span starts.
struct SpanStartOptions {
  // kind: INTERNAL for a block of work; background tasks use PRODUCER
  // (enqueue) and CONSUMER (run).
  SpanKind kind = SpanKind::kInternal;
  // parent: nullopt means Current(); an invalid context starts a new trace.
  std::optional<TraceContext> parent;
  // attributes and links recorded from the start (samplers see neither).
  std::vector<Attribute> attributes;
  std::vector<SpanLink> links;
};

// RecordingSpan is one span being recorded (or, when not sampled, just its
// context). Thread-compatible: one thread at a time may use it (hand it
// over with the usual synchronisation). Movable; moving from a span leaves
// an ended, non-recording one. End() is idempotent; the destructor ends a
// span that is still open.
class RecordingSpan {
 public:
  // RecordingSpan() is a non-recording span with an invalid context.
  RecordingSpan() = default;
  RecordingSpan(RecordingSpan&& other) noexcept { *this = std::move(other); }
  RecordingSpan& operator=(RecordingSpan&& other) noexcept;
  RecordingSpan(const RecordingSpan&) = delete;
  RecordingSpan& operator=(const RecordingSpan&) = delete;
  ~RecordingSpan() {
    if (data_) End();
  }

  // IsRecording is true between a sampled start and End(). Every setter is
  // a no-op (and nearly free) when it is false.
  bool IsRecording() const { return data_ != nullptr; }

  // context is the span's context (what its children and its RPCs
  // propagate); valid even when not recording, unless default-constructed.
  const TraceContext& context() const { return context_; }

  // SetAttribute sets `key` (replacing an earlier value of the same key).
  // Beyond the provider's SpanLimits::attribute_count keys new ones are
  // dropped and counted; string values are cut to attribute_value_length
  // characters. An empty key is ignored.
  void SetAttribute(absl::string_view key, absl::string_view value);
  void SetAttribute(absl::string_view key, const char* value) {
    SetAttribute(key, absl::string_view(value != nullptr ? value : ""));
  }
  void SetAttribute(absl::string_view key, bool value);
  void SetAttribute(absl::string_view key, int64_t value);
  void SetAttribute(absl::string_view key, int value) {
    SetAttribute(key, static_cast<int64_t>(value));
  }
  void SetAttribute(absl::string_view key, double value);

  // AddEvent adds an event timed now (dropped and counted beyond
  // SpanLimits::event_count; its attributes beyond event_attribute_count
  // likewise, and their string values cut as SetAttribute's).
  void AddEvent(absl::string_view name, std::vector<Attribute> attributes = {});

  // AddLink links `linked` (ignored when invalid; dropped and counted
  // beyond SpanLimits::link_count; its attributes as AddEvent's, with
  // link_attribute_count).
  void AddLink(const TraceContext& linked,
               std::vector<Attribute> attributes = {});

  // SetStatus sets the status as OpenTelemetry says: kUnset is ignored, kOk
  // is final, the message is kept only with kError.
  void SetStatus(StatusCode code, absl::string_view message = {});

  // RecordError records an "exception" event (exception.type = the status
  // code's name, exception.message = its message) and sets kError. An OK
  // status is ignored.
  void RecordError(const absl::Status& status);
  // RecordError(message) does the same for an error message
  // (exception.type "error").
  void RecordError(absl::string_view message);

  // rpc_attributes is where the interceptors record an RPC span's
  // semantic-convention attributes, typed (span_data.h); null when not
  // recording.
  RpcAttributes* rpc_attributes() { return data_ ? &data_->rpc : nullptr; }

  // UpdateName renames the span.
  void UpdateName(absl::string_view name);

  // End ends the span now (the end time is the start time plus a monotonic
  // duration) and hands it to the provider's processor. Later calls, and
  // setters afterwards, do nothing.
  void End();

 private:
  friend class TracerProvider;
  friend RecordingSpan StartSpan(absl::string_view name,
                                 SpanStartOptions options);
  TraceContext context_;
  std::unique_ptr<SpanData> data_;  // null when not recording
  SpanProcessor* processor_ = nullptr;
  const SpanLimits* limits_ = nullptr;  // the provider's; set with data_
  int64_t start_steady_ns_ = 0;
};

// StartSpan starts a span with the installed provider (or, with none, a
// non-recording child of the parent / a new root). The span is not made
// current: see Span for that. Thread-safe.
RecordingSpan StartSpan(absl::string_view name, SpanStartOptions options = {});

inline namespace TRACEPROP_INTERNAL_SCOPE_NS {

// Span starts a span and makes its context current until the scope ends
// (then the previous context is back and the span ends, if End() has not
// ended it already). A scope guard: neither copyable nor movable, must be
// destroyed on its thread, innermost first (the ContextScope checks apply).
// `span->` reaches the RecordingSpan's setters.
class Span {
 public:
  explicit Span(absl::string_view name, SpanStartOptions options = {})
      : span_(StartSpan(name, std::move(options))), scope_(span_.context()) {}

  Span(const Span&) = delete;
  Span& operator=(const Span&) = delete;

  const TraceContext& context() const { return span_.context(); }
  bool IsRecording() const { return span_.IsRecording(); }
  RecordingSpan* operator->() { return &span_; }
  // End ends the recording now; the context stays current until the scope
  // closes.
  void End() { span_.End(); }

 private:
  RecordingSpan span_;  // declared first: outlives the scope
  ContextScope scope_;
};

}  // namespace TRACEPROP_INTERNAL_SCOPE_NS
}  // namespace traceprop

#endif  // TRACEPROP_SPANS_SPAN_H_
