#include "traceprop/spans/span.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <variant>
#include <vector>

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

// CharPrefix is the longest prefix of `s` of at most `max` characters, a
// character being a byte that is not a UTF-8 continuation byte and the
// continuation bytes after it.
absl::string_view CharPrefix(absl::string_view s, size_t max) {
  if (s.size() <= max) return s;  // never more characters than bytes
  size_t chars = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (i > 0 && (static_cast<unsigned char>(s[i]) & 0xc0) == 0x80) continue;
    if (chars == max) return s.substr(0, i);
    ++chars;
  }
  return s;
}

uint32_t Count(size_t n) {
  return n > UINT32_MAX ? UINT32_MAX : static_cast<uint32_t>(n);
}

// Limit applies a count and a value length to an event's or a link's
// attributes, counting what it drops in `dropped`.
void Limit(std::vector<Attribute>& attributes, size_t count,
           size_t value_length, uint32_t& dropped) {
  if (attributes.size() > count) {
    dropped = Count(attributes.size() - count);
    attributes.resize(count);
  }
  if (value_length == SpanLimits::kUnlimited) return;
  for (Attribute& a : attributes) {
    if (auto* s = std::get_if<std::string>(&a.value))
      s->resize(CharPrefix(*s, value_length).size());
  }
}

// SetOrAdd sets `key` to the value `set` assigns (a later value of a key
// replaces the earlier one).
template <typename Set>
void SetOrAdd(SpanData& data, const SpanLimits& limits, absl::string_view key,
              Set set) {
  if (key.empty()) return;
  for (Attribute& a : data.attributes) {
    if (a.key == key) {
      set(a.value);
      return;
    }
  }
  if (data.attributes.size() >= limits.attribute_count) {
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
    limits_ = other.limits_;
    start_steady_ns_ = other.start_steady_ns_;
    other.processor_ = nullptr;
  }
  return *this;
}

void RecordingSpan::SetAttribute(absl::string_view key,
                                 absl::string_view value) {
  if (!data_) return;
  value = CharPrefix(value, limits_->attribute_value_length);
  SetOrAdd(*data_, *limits_, key, [value](AttributeValue& v) {
    if (auto* s = std::get_if<std::string>(&v)) {
      s->assign(value.data(), value.size());
    } else {
      v.emplace<std::string>(value.data(), value.size());
    }
  });
}
void RecordingSpan::SetAttribute(absl::string_view key, bool value) {
  if (!data_) return;
  SetOrAdd(*data_, *limits_, key, [value](AttributeValue& v) { v = value; });
}
void RecordingSpan::SetAttribute(absl::string_view key, int64_t value) {
  if (!data_) return;
  SetOrAdd(*data_, *limits_, key, [value](AttributeValue& v) { v = value; });
}
void RecordingSpan::SetAttribute(absl::string_view key, double value) {
  if (!data_) return;
  SetOrAdd(*data_, *limits_, key, [value](AttributeValue& v) { v = value; });
}

void RecordingSpan::AddEvent(absl::string_view name,
                             std::vector<Attribute> attributes) {
  if (!data_) return;
  if (data_->events.size() >= limits_->event_count) {
    ++data_->dropped_events;
    return;
  }
  const uint64_t now =
      data_->start_unix_nano + (internal::SteadyNowNanos() - start_steady_ns_);
  SpanEvent& e = data_->events.emplace_back();
  e.name.assign(name.data(), name.size());
  e.time_unix_nano = now;
  e.attributes = std::move(attributes);
  Limit(e.attributes, limits_->event_attribute_count,
        limits_->attribute_value_length, e.dropped_attributes);
}

void RecordingSpan::AddLink(const TraceContext& linked,
                            std::vector<Attribute> attributes) {
  if (!data_ || !linked.IsValid()) return;
  if (data_->links.size() >= limits_->link_count) {
    ++data_->dropped_links;
    return;
  }
  SpanLink& l = data_->links.emplace_back();
  l.context = linked;
  l.attributes = std::move(attributes);
  Limit(l.attributes, limits_->link_attribute_count,
        limits_->attribute_value_length, l.dropped_attributes);
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
  // The RPC attributes count against attribute_count and are kept: the
  // user's latest ones make room. Only counted when they might not fit.
  SpanData& d = *data_;
  if (!d.attributes.empty() &&
      d.attributes.size() + RpcAttributes::kMaxAttributes >
          limits_->attribute_count) {
    size_t shown = 0;
    d.ForEachAttribute(
        [&shown](absl::string_view, AttributeValueView) { ++shown; });
    if (shown > limits_->attribute_count) {
      const size_t drop =
          std::min(shown - limits_->attribute_count, d.attributes.size());
      d.attributes.resize(d.attributes.size() - drop);
      d.dropped_attributes += Count(drop);
    }
  }
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
