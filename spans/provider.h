// traceprop/spans/provider.h — the tracer provider: sampler + processor,
// and the one a process installs.
//
// A TracerProvider decides which new spans are sampled (its Sampler) and
// where ended spans go (its SpanProcessor). Installing one makes the
// interceptors record a SERVER span per incoming call and a CLIENT span per
// outgoing call, and makes Span/StartSpan (span.h) record. With none
// installed nothing is recorded and the interceptors cost what they did:
// InstalledTracerProvider() is one atomic load.
//
//   auto provider = std::make_shared<traceprop::TracerProvider>(
//       traceprop::TracerProviderOptions{
//           traceprop::ParentBasedSampler(traceprop::TraceIdRatioSampler(.1)),
//           std::make_unique<traceprop::BatchSpanProcessor>(
//               std::move(exporter))});
//   traceprop::InstallTracerProvider(provider);
//   ...                                    // serve
//   provider->Shutdown(absl::Seconds(5));  // flush before exit

#ifndef TRACEPROP_SPANS_PROVIDER_H_
#define TRACEPROP_SPANS_PROVIDER_H_

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "traceprop/context/trace_context.h"
#include "traceprop/spans/processor.h"
#include "traceprop/spans/sampler.h"
#include "traceprop/spans/span.h"
#include "traceprop/spans/span_data.h"

namespace traceprop {

// TracerProviderOptions: a null sampler is ParentBased(AlwaysOn); a null
// processor records nothing (sampling decisions are still made).
struct TracerProviderOptions {
  std::shared_ptr<const Sampler> sampler;
  std::unique_ptr<SpanProcessor> processor;
  // baggage_attribute_keys: W3C Baggage members copied onto every recorded
  // span as `baggage.<key>` string attributes, when the span's context
  // carries them (values cut to kMaxBaggageAttributeSize bytes at a UTF-8
  // boundary). Empty: none, and no cost. Only listed keys: baggage comes
  // from callers and must not fill spans unasked.
  std::vector<std::string> baggage_attribute_keys;
  // span_limits bound every span this provider records (span_data.h).
  SpanLimits span_limits;
};

// kMaxBaggageAttributeSize bounds one `baggage.<key>` attribute value.
inline constexpr size_t kMaxBaggageAttributeSize = 256;

// TracerProvider is thread-safe. It must outlive the spans it starts; an
// installed provider is kept alive until the process exits (see
// InstallTracerProvider), so that holds for installed ones.
class TracerProvider {
 public:
  explicit TracerProvider(TracerProviderOptions options = {});
  TracerProvider(const TracerProvider&) = delete;
  TracerProvider& operator=(const TracerProvider&) = delete;

  // NewSpanContext returns the context of a new span whose parent is
  // `parent` (invalid: a new trace with a fresh random trace id and the
  // `random` flag): a new span id, the sampler's flag and tracestate.
  TraceContext NewSpanContext(const TraceContext& parent,
                              absl::string_view name, SpanKind kind) const;

  // StartSpan starts a span: NewSpanContext, then Record.
  RecordingSpan StartSpan(absl::string_view name,
                          SpanStartOptions options = {});

  // Record starts recording a span whose context was already decided
  // (e.g. by NewSpanContext): recording only if `context` is valid and
  // sampled, a processor is set and Shutdown has not run. `parent_is_remote`
  // marks a parent from another process (a server span's caller).
  RecordingSpan Record(const TraceContext& context, absl::string_view name,
                       SpanKind kind, bool parent_is_remote = false);

  // ForceFlush and Shutdown forward to the processor (true without one).
  // After Shutdown nothing more is recorded.
  bool ForceFlush(absl::Duration timeout);
  bool Shutdown(absl::Duration timeout);

  const Sampler& sampler() const { return *sampler_; }
  SpanProcessor* processor() const { return processor_.get(); }
  const SpanLimits& span_limits() const { return span_limits_; }

 private:
  const std::shared_ptr<const Sampler> sampler_;
  const std::unique_ptr<SpanProcessor> processor_;
  const std::vector<std::string> baggage_attribute_keys_;
  const SpanLimits span_limits_;
  std::atomic<bool> shut_down_{false};
};

namespace internal {
// The installed provider; defined in provider.cc.
extern std::atomic<TracerProvider*> installed_provider;
}  // namespace internal

// InstallTracerProvider makes `provider` the process's provider (null:
// none). The previous one is not shut down (its owner does that) but, like
// every provider ever installed, is kept alive until exit, so spans started
// with it can still end safely. Thread-safe.
void InstallTracerProvider(std::shared_ptr<TracerProvider> provider);

// InstalledTracerProvider returns the installed provider or nullptr: one
// atomic load. Thread-safe.
inline TracerProvider* InstalledTracerProvider() {
  return internal::installed_provider.load(std::memory_order_acquire);
}

}  // namespace traceprop

#endif  // TRACEPROP_SPANS_PROVIDER_H_
