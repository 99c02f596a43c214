// Fuzzes ParseB3Single (the whole input) and ParseB3Multi (the input's
// first five lines as the x-b3-* values; an empty line is an absent
// header). Properties checked on every input:
//  - a valid context formats to headers that parse back to the same ids
//    and sampled flag;
//  - a result without ids never claims to be valid.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "traceprop/propagation/b3.h"

namespace {

void CheckRoundTrip(const traceprop::B3Context& b3) {
  const traceprop::TraceContext& c = b3.context;
  if (!c.IsValid()) return;
  absl::StatusOr<traceprop::B3Context> single =
      traceprop::ParseB3Single(traceprop::FormatB3Single(c));
  if (!single.ok() || single->context.trace_id() != c.trace_id() ||
      single->context.span_id() != c.span_id() ||
      single->context.sampled() != c.sampled()) {
    std::abort();
  }
  traceprop::B3MultiHeaders h = traceprop::FormatB3Multi(c);
  absl::StatusOr<traceprop::B3Context> multi = traceprop::ParseB3Multi(
      h.trace_id, h.span_id, std::nullopt, h.sampled, std::nullopt);
  if (!multi.ok() || multi->context.span_id() != c.span_id() ||
      multi->context.sampled() != c.sampled()) {
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view input(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<traceprop::B3Context> single = traceprop::ParseB3Single(input);
  if (single.ok()) CheckRoundTrip(*single);

  std::vector<absl::string_view> lines = absl::StrSplit(input, '\n');
  lines.resize(5);
  auto field = [&](int i) -> std::optional<absl::string_view> {
    if (lines[i].empty()) return std::nullopt;
    return lines[i];
  };
  absl::StatusOr<traceprop::B3Context> multi =
      traceprop::ParseB3Multi(field(0), field(1), field(2), field(3), field(4));
  if (multi.ok()) {
    if (!field(0).has_value() && multi->context.IsValid()) std::abort();
    CheckRoundTrip(*multi);
  }
  return 0;
}
