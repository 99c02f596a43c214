// traceprop/context/id_generator.h — random trace and span ids.
//
// Each thread has its own SplitMix64 generator (a 64-bit counter, each
// output a bijective mix of it), started at a random point from the
// operating system's entropy (getrandom) on first use and restarted in a
// child process after fork(), so two processes never share a sequence. No
// locks.
//
//   traceprop::TraceId trace = traceprop::GenerateTraceId();  // never zero
//   traceprop::SpanId span = traceprop::GenerateSpanId();     // never zero
//
// W3C Trace Context Level 2, §3.2.2.3 and the "random" trace-flag (§3.2.2.5.2):
// every byte of a generated trace id is uniformly random, so its right-most
// 7 bytes are, as the random flag promises.

#ifndef TRACEPROP_CONTEXT_ID_GENERATOR_H_
#define TRACEPROP_CONTEXT_ID_GENERATOR_H_

#include "traceprop/context/ids.h"

namespace traceprop {

// GenerateTraceId returns a uniformly random, valid (non-zero) trace id.
// Thread-safe, lock-free. Not for cryptographic use.
TraceId GenerateTraceId();

// GenerateSpanId returns a uniformly random, valid (non-zero) span id.
// Thread-safe, lock-free. Not for cryptographic use.
SpanId GenerateSpanId();

}  // namespace traceprop

#endif  // TRACEPROP_CONTEXT_ID_GENERATOR_H_
