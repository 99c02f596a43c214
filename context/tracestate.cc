// STUB: replaced by the full implementation.
#include "traceprop/context/tracestate.h"

namespace traceprop {
namespace internal {
struct TraceStateRep {};
}  // namespace internal
absl::StatusOr<TraceState> TraceState::Parse(absl::string_view) { return TraceState(); }
absl::StatusOr<TraceState> TraceState::Parse(absl::Span<const absl::string_view>) { return TraceState(); }
bool TraceState::IsValidKey(absl::string_view) { return false; }
bool TraceState::IsValidValue(absl::string_view) { return false; }
size_t TraceState::size() const { return 0; }
std::optional<absl::string_view> TraceState::Get(absl::string_view) const { return std::nullopt; }
std::vector<TraceState::Entry> TraceState::entries() const { return {}; }
absl::StatusOr<TraceState> TraceState::Set(absl::string_view, absl::string_view) const { return *this; }
TraceState TraceState::Erase(absl::string_view) const { return *this; }
std::string TraceState::ToHeader(size_t) const { return ""; }
bool operator==(const TraceState& a, const TraceState& b) { return a.rep_ == b.rep_; }
}  // namespace traceprop
