// traceprop/spans/sampler.h — which spans are recorded.
//
// A Sampler decides, when a span starts, whether it is sampled (recorded
// and exported, and the W3C `sampled` flag sent on). The default,
// ParentBasedSampler(AlwaysOnSampler()), follows the parent's flag and
// samples every new root. TraceIdRatioSampler(p) samples new roots with
// probability p *consistently*, as the OpenTelemetry TraceState
// probability-sampling specification says: the randomness is the trace
// id's right-most 56 bits (random per W3C Level 2 when the `random` flag is
// set, which traceprop's roots always set), a span is sampled when that
// value is at least the rejection threshold T = (1 - p) * 2^56, and a
// sampled span records T as `ot=th:<hex>` in its tracestate. Two services
// at the same ratio therefore keep exactly the same traces.
//
//   auto sampler = traceprop::ParentBasedSampler(
//       traceprop::TraceIdRatioSampler(0.1));   // 10 % of new traces
//   SamplingResult r = sampler->ShouldSample(Current(), trace_id, "work",
//                                            SpanKind::kInternal);
//   // r.sampled; r.trace_state carries "ot=th:e666..." when sampled.

#ifndef TRACEPROP_SPANS_SAMPLER_H_
#define TRACEPROP_SPANS_SAMPLER_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "traceprop/context/ids.h"
#include "traceprop/context/trace_context.h"
#include "traceprop/spans/span_data.h"

namespace traceprop {

// SamplingResult is a sampler's decision and the tracestate the new span
// carries (the parent's, possibly with `ot=th` updated).
struct SamplingResult {
  bool sampled = false;
  TraceState trace_state;
};

// Sampler is the decision interface. Implementations must be thread-safe:
// ShouldSample runs on every thread that starts spans.
class Sampler {
 public:
  virtual ~Sampler() = default;

  // ShouldSample decides for a new span of trace `trace_id` whose parent is
  // `parent` (invalid for a new root; its trace_state is the starting
  // tracestate). Never fails.
  virtual SamplingResult ShouldSample(const TraceContext& parent,
                                      const TraceId& trace_id,
                                      absl::string_view name,
                                      SpanKind kind) const = 0;

  // Description names the sampler, e.g. "ParentBased{TraceIdRatio{0.1}}".
  virtual std::string Description() const = 0;
};

// AlwaysOnSampler samples everything; the tracestate is the parent's.
std::shared_ptr<const Sampler> AlwaysOnSampler();

// AlwaysOffSampler samples nothing; the tracestate is the parent's.
std::shared_ptr<const Sampler> AlwaysOffSampler();

// TraceIdRatioSampler samples with probability `ratio`, consistently (see
// above). A ratio >= 1 samples everything (th:0), <= 0 or NaN nothing.
// Sampled: `ot=th` is set in the tracestate (other `ot` sub-keys and other
// members kept); not sampled: `ot=th` is removed.
std::shared_ptr<const Sampler> TraceIdRatioSampler(double ratio);

// ParentBasedSampler follows a valid parent's sampled flag (tracestate
// unchanged) and asks `root` for new roots. A null `root` is AlwaysOn.
std::shared_ptr<const Sampler> ParentBasedSampler(
    std::shared_ptr<const Sampler> root);

// The probability-sampling arithmetic, public for tests and tools.
namespace sampling {

// kMaxThreshold is 2^56: randomness and thresholds are 56-bit values.
inline constexpr uint64_t kMaxThreshold = uint64_t{1} << 56;

// TraceIdRandomness returns the trace id's right-most 56 bits (bytes 9..15,
// big-endian).
uint64_t TraceIdRandomness(const TraceId& trace_id);

// ProbabilityToThreshold returns the rejection threshold for probability
// `p` in (0, 1]: round((1 - p) * 2^56), at most 2^56 - 1. p >= 1 gives 0.
uint64_t ProbabilityToThreshold(double p);

// FormatThreshold returns the `th` value: 14 lowercase hex digits with the
// trailing zeros removed ("0" for threshold 0). `threshold` < 2^56.
std::string FormatThreshold(uint64_t threshold);

// ParseThreshold parses a `th` value (1 to 14 lowercase hex digits, padded
// on the right with zeros); nullopt when malformed.
std::optional<uint64_t> ParseThreshold(absl::string_view th);

// OtSubValue returns sub-key `key` of the tracestate's `ot` member
// (`ot=th:c;rv:...`), or nullopt.
std::optional<absl::string_view> OtSubValue(const TraceState& state,
                                            absl::string_view key);

// WithOtSubValue returns `state` with sub-key `key` of `ot` set to `value`
// (placed first), or removed when `value` is empty; the `ot` member is
// removed when nothing is left in it. When the result would break the
// grammar (over 256 characters, or ending in a space once reordered), the
// other sub-keys but the first rv are dropped, then that too; when `value`
// itself breaks it, `ot` is removed. Never leaves an old `key` behind.
TraceState WithOtSubValue(const TraceState& state, absl::string_view key,
                          absl::string_view value);

}  // namespace sampling
}  // namespace traceprop

#endif  // TRACEPROP_SPANS_SAMPLER_H_
