#include "traceprop/spans/span.h"

#include <chrono>
#include <string>
#include <utility>

#include "absl/time/clock.h"
#include "traceprop/spans/internal/clock.h"
#include "traceprop/spans/processor.h"
#include "traceprop/spans/provider.h"

namespace traceprop {
namespace internal {

int64_t SteadyNowNanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// The wall clock is read once per process and every timestamp is that
// anchor plus steady-clock time, so spans of one process are ordered exactly
// (a child never starts before its parent; see docs/SPANS.md).
uint64_t UnixNanosAt(int64_t steady_ns) {
  struct Anchor {
    int64_t wall;
    int64_t steady;
  };
  static const Anchor anchor{absl::GetCurrentTimeNanos(), SteadyNowNanos()};
  return static_cast<uint64_t>(anchor.wall + (steady_ns - anchor.steady));
}

}  // namespace internal

namespace {

// SetOrAdd sets `key` to the value `set` assigns (a later value of a key
// replaces the earlier one).
template <typename Set>
void SetOrAdd(SpanData& data, absl::string_view key, Set set) {
  if (key.empty()) return;
  for (Attribute& a : data.attributes) {
    if (a.key == key) {
      set(a.value);
      return;
    }
  }
  if (data.attributes.size() >= SpanLimits::kMaxAttributes) {
    ++data.dropped_attributes;
    return;
  }
  Attribute& a = data.attributes.emplace_back();
  a.key.assign(key.data(), key.size());
  set(a.value);
}

}  // namespace

RecordingSpan& RecordingSpan::operator=(RecordingSpan&& other) noexcept {
  if (this != &other) {
    End();
    context_ = std::move(other.context_);
    data_ = std::move(other.data_);
    processor_ = other.processor_;
    start_steady_ns_ = other.start_steady_ns_;
    other.processor_ = nullptr;
  }
  return *this;
}

void RecordingSpan::SetAttribute(absl::string_view key,
                                 absl::string_view value) {
  if (!data_) return;
  SetOrAdd(*data_, key, [value](AttributeValue& v) {
    if (auto* s = std::get_if<std::string>(&v)) {
      s->assign(value.data(), value.size());
    } else {
      v.emplace<std::string>(value.data(), value.size());
    }
  });
}
void RecordingSpan::SetAttribute(absl::string_view key, bool value) {
  if (!data_) return;
  SetOrAdd(*data_, key, [value](AttributeValue& v) { v = value; });
}
void RecordingSpan::SetAttribute(absl::string_view key, int64_t value) {
  if (!data_) return;
  SetOrAdd(*data_, key, [value](AttributeValue& v) { v = value; });
}
void RecordingSpan::SetAttribute(absl::string_view key, double value) {
  if (!data_) return;
  SetOrAdd(*data_, key, [value](AttributeValue& v) { v = value; });
}

void RecordingSpan::AddEvent(absl::string_view name,
                             std::vector<Attribute> attributes) {
  if (!data_) return;
  if (data_->events.size() >= SpanLimits::kMaxEvents) {
    ++data_->dropped_events;
    return;
  }
  if (attributes.size() > SpanLimits::kMaxEventAttributes)
    attributes.resize(SpanLimits::kMaxEventAttributes);
  const uint64_t now =
      data_->start_unix_nano + (internal::SteadyNowNanos() - start_steady_ns_);
  data_->events.push_back(
      SpanEvent{std::string(name), now, std::move(attributes)});
}

void RecordingSpan::AddLink(const TraceContext& linked,
                            std::vector<Attribute> attributes) {
  if (!data_ || !linked.IsValid()) return;
  if (data_->links.size() >= SpanLimits::kMaxLinks) {
    ++data_->dropped_links;
    return;
  }
  if (attributes.size() > SpanLimits::kMaxLinkAttributes)
    attributes.resize(SpanLimits::kMaxLinkAttributes);
  data_->links.push_back(SpanLink{linked, std::move(attributes)});
}

void RecordingSpan::SetStatus(StatusCode code, absl::string_view message) {
  if (!data_ || code == StatusCode::kUnset) return;
  if (data_->status == StatusCode::kOk) return;  // Ok is final
  data_->status = code;
  data_->status_message =
      code == StatusCode::kError ? std::string(message) : std::string();
}

void RecordingSpan::RecordError(const absl::Status& status) {
  if (!data_ || status.ok()) return;
  AddEvent("exception",
           {{"exception.type", absl::StatusCodeToString(status.code())},
            {"exception.message", std::string(status.message())}});
  SetStatus(StatusCode::kError, status.message());
}

void RecordingSpan::RecordError(absl::string_view message) {
  if (!data_) return;
  AddEvent("exception", {{"exception.type", std::string("error")},
                         {"exception.message", std::string(message)}});
  SetStatus(StatusCode::kError, message);
}

void RecordingSpan::UpdateName(absl::string_view name) {
  if (data_) data_->name = std::string(name);
}

void RecordingSpan::End() {
  if (!data_) return;
  const int64_t elapsed = internal::SteadyNowNanos() - start_steady_ns_;
  data_->end_unix_nano =
      data_->start_unix_nano + static_cast<uint64_t>(elapsed > 0 ? elapsed : 0);
  SpanProcessor* processor = processor_;
  processor_ = nullptr;
  processor->OnEnd(std::move(data_));
  data_.reset();
}

RecordingSpan StartSpan(absl::string_view name, SpanStartOptions options) {
  if (TracerProvider* provider = InstalledTracerProvider()) {
    return provider->StartSpan(name, std::move(options));
  }
  // Not recording: the same context SpanScope would make.
  const TraceContext& parent = options.parent ? *options.parent : Current();
  RecordingSpan span;
  span.context_ = parent.IsValid() ? parent.Child() : TraceContext::NewRoot();
  return span;
}

}  // namespace traceprop
