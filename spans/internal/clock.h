// Private: the clocks behind span timestamps (defined in span.cc).

#ifndef TRACEPROP_SPANS_INTERNAL_CLOCK_H_
#define TRACEPROP_SPANS_INTERNAL_CLOCK_H_

#include <cstdint>

namespace traceprop {
namespace internal {

// SteadyNowNanos reads std::chrono::steady_clock.
int64_t SteadyNowNanos();

// UnixNanosAt converts a steady-clock reading to Unix time: one wall-clock
// reading per process plus steady time since (docs/SPANS.md, "Timing").
uint64_t UnixNanosAt(int64_t steady_ns);

}  // namespace internal
}  // namespace traceprop

#endif  // TRACEPROP_SPANS_INTERNAL_CLOCK_H_
