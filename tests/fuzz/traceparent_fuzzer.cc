// Fuzzes ParseTraceParent. Properties checked on every input:
//  - whatever parses formats to a valid version-00 traceparent (55
//    characters) that parses back to the same ids and the defined flags;
//  - parse(format(x)) == x for every valid x.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "traceprop/context/traceparent.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view input(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<traceprop::TraceParent> tp =
      traceprop::ParseTraceParent(input);
  if (!tp.ok()) return 0;
  if (!tp->trace_id.IsValid() || !tp->parent_id.IsValid()) std::abort();
  if (tp->version == 0xff) std::abort();
  const std::string out = traceprop::FormatTraceParent(*tp);
  if (out.size() != traceprop::kTraceParentSize ||
      out.compare(0, 3, "00-") != 0) {
    std::abort();
  }
  absl::StatusOr<traceprop::TraceParent> again =
      traceprop::ParseTraceParent(out);
  if (!again.ok()) std::abort();
  if (again->version != 0 || again->trace_id != tp->trace_id ||
      again->parent_id != tp->parent_id ||
      again->flags.value() != tp->flags.WireValue()) {
    std::abort();
  }
  if (traceprop::FormatTraceParent(*again) != out) std::abort();
  return 0;
}
