#include "traceprop/spans/provider.h"

#include <mutex>
#include <variant>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "traceprop/context/current.h"
#include "traceprop/context/id_generator.h"
#include "traceprop/spans/internal/clock.h"
#include "traceprop/spans/internal/span_data_pool.h"

namespace traceprop {
namespace internal {

std::atomic<TracerProvider*> installed_provider{nullptr};

namespace {
// Every provider ever installed, kept until exit (reachable, not leaked).
struct Installed {
  std::mutex mu;
  std::vector<std::shared_ptr<TracerProvider>> all;
};
Installed& GetInstalled() {
  static Installed* installed = new Installed;
  return *installed;
}
}  // namespace
}  // namespace internal

namespace {

// Utf8Prefix is the longest prefix of `s` of at most `max` bytes that does
// not end inside a UTF-8 sequence (baggage values are valid UTF-8).
absl::string_view Utf8Prefix(absl::string_view s, size_t max) {
  if (s.size() <= max) return s;
  size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xc0) == 0x80) --n;
  return s.substr(0, n);
}

void AddBaggageAttributes(const Baggage& baggage,
                          const std::vector<std::string>& keys,
                          RecordingSpan& span) {
  for (const std::string& key : keys) {
    for (const Baggage::Member& m : baggage.members()) {
      if (m.key != key) continue;
      span.SetAttribute(absl::StrCat("baggage.", key),
                        Utf8Prefix(m.value, kMaxBaggageAttributeSize));
      break;
    }
  }
}

}  // namespace

TracerProvider::TracerProvider(TracerProviderOptions options)
    : sampler_(options.sampler ? std::move(options.sampler)
                               : ParentBasedSampler(AlwaysOnSampler())),
      processor_(std::move(options.processor)),
      baggage_attribute_keys_(std::move(options.baggage_attribute_keys)),
      span_limits_(options.span_limits) {}

TraceContext TracerProvider::NewSpanContext(const TraceContext& parent,
                                            absl::string_view name,
                                            SpanKind kind) const {
  if (parent.IsValid()) {
    SamplingResult r =
        sampler_->ShouldSample(parent, parent.trace_id(), name, kind);
    return TraceContext(parent.trace_id(), GenerateSpanId(),
                        parent.flags().WithSampled(r.sampled),
                        std::move(r.trace_state), parent.span_id(),
                        /*remote=*/false)
        .WithBaggage(parent.baggage());  // baggage rides with the context
  }
  const TraceId trace_id = GenerateTraceId();
  SamplingResult r = sampler_->ShouldSample(parent, trace_id, name, kind);
  return TraceContext(trace_id, GenerateSpanId(),
                      TraceFlags().WithRandom(true).WithSampled(r.sampled),
                      std::move(r.trace_state))
      .WithBaggage(parent.baggage());
}

RecordingSpan TracerProvider::StartSpan(absl::string_view name,
                                        SpanStartOptions options) {
  const TraceContext& parent = options.parent ? *options.parent : Current();
  RecordingSpan span = Record(NewSpanContext(parent, name, options.kind), name,
                              options.kind, parent.is_remote());
  if (span.data_) {
    for (Attribute& a : options.attributes) {
      std::visit([&](auto&& v) { span.SetAttribute(a.key, v); }, a.value);
    }
    for (SpanLink& l : options.links)
      span.AddLink(l.context, std::move(l.attributes));
  }
  return span;
}

RecordingSpan TracerProvider::Record(const TraceContext& context,
                                     absl::string_view name, SpanKind kind,
                                     bool parent_is_remote) {
  RecordingSpan span;
  span.context_ = context;
  if (!context.IsValid() || !context.sampled() || processor_ == nullptr ||
      shut_down_.load(std::memory_order_acquire)) {
    return span;
  }
  std::unique_ptr<SpanData> data = internal::NewSpanData();
  data->trace_id = context.trace_id();
  data->span_id = context.span_id();
  data->parent_span_id = context.parent_span_id();
  data->parent_is_remote = parent_is_remote && context.parent_span_id().IsValid();
  data->flags = context.flags();
  if (!context.trace_state().empty())
    data->trace_state = context.trace_state().ToHeader();
  // A pooled name keeps its capacity.
  data->name.assign(name.data(), name.size());
  data->kind = kind;
  span.start_steady_ns_ = internal::SteadyNowNanos();
  data->start_unix_nano = internal::UnixNanosAt(span.start_steady_ns_);
  span.data_ = std::move(data);
  span.processor_ = processor_.get();
  span.limits_ = &span_limits_;
  if (!baggage_attribute_keys_.empty() && !context.baggage().empty()) {
    AddBaggageAttributes(context.baggage(), baggage_attribute_keys_, span);
  }
  return span;
}

bool TracerProvider::ForceFlush(absl::Duration timeout) {
  return processor_ == nullptr || processor_->ForceFlush(timeout);
}

bool TracerProvider::Shutdown(absl::Duration timeout) {
  if (shut_down_.exchange(true)) return true;
  return processor_ == nullptr || processor_->Shutdown(timeout);
}

void InstallTracerProvider(std::shared_ptr<TracerProvider> provider) {
  internal::Installed& installed = internal::GetInstalled();
  std::lock_guard<std::mutex> lock(installed.mu);
  TracerProvider* raw = provider.get();
  if (provider) installed.all.push_back(std::move(provider));
  internal::installed_provider.store(raw, std::memory_order_release);
}

}  // namespace traceprop
