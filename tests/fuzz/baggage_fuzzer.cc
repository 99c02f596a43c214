// Fuzzes Baggage::Parse (input lines are separate `baggage` headers).
// Properties checked on every input:
//  - the result respects the limits (kMaxMembers, kMaxHeaderSize);
//  - its header parses back to the same baggage (nothing partial, nothing
//    that would not survive the next hop);
//  - Set with a parsed member's own values succeeds.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "traceprop/context/baggage.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view input(reinterpret_cast<const char*>(data), size);
  std::vector<absl::string_view> headers = absl::StrSplit(input, '\n');
  traceprop::Baggage::ParseStats stats;
  traceprop::Baggage b = traceprop::Baggage::Parse(headers, &stats);
  if (b.size() > traceprop::Baggage::kMaxMembers) std::abort();
  const std::string header = b.ToHeader();
  if (header.size() > traceprop::Baggage::kMaxHeaderSize) std::abort();
  traceprop::Baggage::ParseStats again_stats;
  traceprop::Baggage again = traceprop::Baggage::Parse({header}, &again_stats);
  if (again != b || again_stats.invalid_members != 0 ||
      again_stats.over_limit != 0) {
    std::abort();
  }
  for (const traceprop::Baggage::Member& m : b.members()) {
    if (!traceprop::Baggage().Set(m.key, m.value, m.properties).ok()) std::abort();
  }
  return 0;
}
