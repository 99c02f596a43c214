// Fuzzes TraceState: Parse of one header and of the input split into
// several header values, then Set/Erase driven by the input. Properties:
//  - whatever parses has <= 32 members, each with a valid key and value;
//  - parse(format(x)) == x (untruncated), and the truncated header is
//    <= 512 characters and parses;
//  - mutations keep every invariant.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "traceprop/context/tracestate.h"

namespace {

void CheckInvariants(const traceprop::TraceState& ts) {
  if (ts.size() > traceprop::TraceState::kMaxMembers) std::abort();
  if (ts.empty() != (ts.size() == 0)) std::abort();
  for (const auto& e : ts.entries()) {
    if (!traceprop::TraceState::IsValidKey(e.key)) std::abort();
    if (!traceprop::TraceState::IsValidValue(e.value)) std::abort();
    auto got = ts.Get(e.key);
    if (!got.has_value() || *got != e.value) std::abort();
  }
  const std::string full = ts.ToHeader(static_cast<size_t>(-1));
  absl::StatusOr<traceprop::TraceState> back =
      traceprop::TraceState::Parse(full);
  if (!back.ok() || *back != ts) std::abort();
  const std::string cut = ts.ToHeader();
  if (cut.size() > traceprop::TraceState::kDefaultMaxHeaderSize) std::abort();
  if (!traceprop::TraceState::Parse(cut).ok()) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view input(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<traceprop::TraceState> ts =
      traceprop::TraceState::Parse(input);
  if (ts.ok()) CheckInvariants(*ts);

  // The same bytes as several header values split at '\n'.
  std::vector<absl::string_view> parts;
  size_t start = 0;
  for (size_t i = 0; i <= input.size(); ++i) {
    if (i == input.size() || input[i] == '\n') {
      parts.push_back(input.substr(start, i - start));
      start = i + 1;
    }
  }
  absl::StatusOr<traceprop::TraceState> multi =
      traceprop::TraceState::Parse(absl::MakeConstSpan(parts));
  if (multi.ok()) CheckInvariants(*multi);

  // Mutations: the first part is a key, the second a value.
  traceprop::TraceState base = ts.ok() ? *ts : traceprop::TraceState();
  if (parts.size() >= 2) {
    absl::StatusOr<traceprop::TraceState> set = base.Set(parts[0], parts[1]);
    const bool valid = traceprop::TraceState::IsValidKey(parts[0]) &&
                       traceprop::TraceState::IsValidValue(parts[1]);
    if (set.ok() != valid) std::abort();
    if (set.ok()) {
      CheckInvariants(*set);
      if (set->entries().front().key != parts[0]) std::abort();
      if (*set->Get(parts[0]) != parts[1]) std::abort();
      traceprop::TraceState erased = set->Erase(parts[0]);
      if (erased.Get(parts[0]).has_value()) std::abort();
      CheckInvariants(erased);
    }
  }
  return 0;
}
