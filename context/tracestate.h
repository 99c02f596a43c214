// traceprop/context/tracestate.h — the W3C `tracestate` header.
//
// Wire format: up to 32 comma-separated list-members, left-most newest:
//
//   congo=t61rcWkgMzE,rojo=00f067aa0ba902b7,tenant@vendor=x
//   ^^^^^ ^^^^^^^^^^^
//   key   value
//
//   key   = ( lcalpha / DIGIT ) 0*255( lcalpha / DIGIT / "_" / "-" / "*" /
//           "/" / "@" )                  ; Level 2: 1-256 characters, any
//                                        ; number of '@' after the first
//   value = 1-256 printable ASCII 0x20-0x7e except ',' and '=', not ending
//           in a space (leading spaces are part of the value)
//
//   absl::StatusOr<traceprop::TraceState> ts =
//       traceprop::TraceState::Parse({"congo=t61rcWkgMzE", "rojo=x"});
//   if (ts.ok()) {
//     absl::StatusOr<traceprop::TraceState> updated = ts->Set("rojo", "v2");
//     std::string header = updated->ToHeader();  // "rojo=v2,congo=t61rcWkgMzE"
//   }
//
// W3C Trace Context Level 2, §3.3 (tracestate header), §3.5 (mutating).
// Level 1's separate multi-tenant key rule is not applied (Level 2 replaced
// it). Where OpenTelemetry departs from the text: README.md, "W3C
// conformance".

#ifndef TRACEPROP_CONTEXT_TRACESTATE_H_
#define TRACEPROP_CONTEXT_TRACESTATE_H_

#include <cstddef>
#include <initializer_list>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace traceprop {
namespace internal {
struct TraceStateRep;
void Ref(const TraceStateRep* rep);
void Unref(const TraceStateRep* rep);
}  // namespace internal

// TraceState is an immutable, ordered list of vendor key/value members.
// Copying is cheap: the empty state holds no heap storage, a non-empty one
// shares its storage (one reference-count increment). Mutators return a new
// TraceState. Thread-safe for concurrent reads of one object (it is never
// mutated).
class TraceState {
 public:
  static constexpr size_t kMaxMembers = 32;
  static constexpr size_t kMaxKeySize = 256;
  static constexpr size_t kMaxValueSize = 256;
  // Recommended outgoing limit for the whole header (§3.3.1.5).
  static constexpr size_t kDefaultMaxHeaderSize = 512;
  // Entries longer than this are dropped first when truncating (§3.3.1.5).
  static constexpr size_t kLargeEntrySize = 128;

  struct Entry {
    absl::string_view key;
    absl::string_view value;
  };

  // The empty tracestate.
  TraceState() = default;
  // Copies share one immutable, reference-counted body.
  TraceState(const TraceState& other) : rep_(other.rep_) {
    if (rep_ != nullptr) internal::Ref(rep_);
  }
  TraceState(TraceState&& other) noexcept : rep_(other.rep_) {
    other.rep_ = nullptr;
  }
  TraceState& operator=(TraceState other) noexcept {
    std::swap(rep_, other.rep_);
    return *this;
  }
  ~TraceState() {
    if (rep_ != nullptr) internal::Unref(rep_);
  }

  // Parse decodes one header value (§3.3.1).
  //  - Empty and white-space-only members (`a=1,,  ,b=2`) are accepted and
  //    skipped; spaces and tabs around members are ignored (so trailing
  //    spaces of a value are dropped, leading ones are kept).
  //  - Duplicate keys are accepted: the left-most (most recent) member is
  //    kept and later ones are dropped. The spec allows keeping or dropping
  //    duplicates (§3.5) and the W3C test suite (test_tracestate_duplicated
  //    _keys) expects the header to be inherited, not discarded.
  //  - Returns InvalidArgument saying why (member number and a short,
  //    escaped excerpt) for: a member that is not `key=value` with a valid
  //    key and value, or more than 32 key=value members (duplicates count:
  //    the limit is on the list as received; empty members do not, or the
  //    empty members the spec allows for joined fields could push a valid
  //    list over the limit).
  //  - An empty or all-white-space header gives an empty TraceState.
  // The caller drops an invalid tracestate; it never affects traceparent
  // (§3.3). Thread-safe; the result owns a copy of the text (one heap
  // allocation, none when empty).
  static absl::StatusOr<TraceState> Parse(absl::string_view header);
  // Parse of several header fields of one message: equivalent to parsing
  // them joined with ',' in order (RFC 9110 §5.3), without building the
  // joined string. The 32-member limit applies to the combined list.
  static absl::StatusOr<TraceState> Parse(
      absl::Span<const absl::string_view> headers);
  static absl::StatusOr<TraceState> Parse(
      std::initializer_list<absl::string_view> headers) {
    return Parse(
        absl::Span<const absl::string_view>(headers.begin(), headers.size()));
  }

  // IsValidKey / IsValidValue check the Level 2 grammar (§3.3.1.3.1/2):
  // IsValidKey(`foo@`) and IsValidKey(`a@b@c`) are true, IsValidKey(`@a`),
  // IsValidKey(`Foo`) false; IsValidValue(` x`) true, IsValidValue(`x `)
  // false. Thread-safe.
  static bool IsValidKey(absl::string_view key);
  static bool IsValidValue(absl::string_view value);

  bool empty() const { return rep_ == nullptr; }
  size_t size() const;

  // Get returns the value for `key`, or nullopt. The view lives as long as
  // this TraceState (or any copy of it).
  std::optional<absl::string_view> Get(absl::string_view key) const;

  // entries returns the members left (newest) to right (oldest). Views live
  // as long as this TraceState.
  std::vector<Entry> entries() const;

  // Set returns a copy with `key` set to `value` as the left-most member
  // (an existing member with that key is removed first: §3.5 "modified keys
  // MUST be moved to the beginning"). If that makes 33 members, the
  // right-most one is dropped. Returns InvalidArgument (and nothing
  // changes) when the key or value does not match the grammar.
  absl::StatusOr<TraceState> Set(absl::string_view key,
                                 absl::string_view value) const;

  // Erase returns a copy without `key` (§3.5 "delete a key/value pair");
  // the same state (shared storage) if `key` is absent or invalid, the
  // empty state if it was the only member.
  TraceState Erase(absl::string_view key) const;

  // ToHeader formats the members as one header value of at most `max_size`
  // characters. When the full list is longer, whole members are dropped as
  // §3.3.1.5 recommends: first members longer than 128 characters, from
  // the right, then others from the right, until it fits. The kept members
  // keep their order. Returns "" for an empty state (send no header then)
  // and when not even one member fits. Thread-safe.
  std::string ToHeader(size_t max_size = kDefaultMaxHeaderSize) const;

  // operator== compares the members (keys, values and order), not the
  // storage: two states parsed from `a=1, b=2` and `a=1,b=2` are equal.
  friend bool operator==(const TraceState& a, const TraceState& b);
  friend bool operator!=(const TraceState& a, const TraceState& b) {
    return !(a == b);
  }

 private:
  explicit TraceState(const internal::TraceStateRep* rep) : rep_(rep) {}

  const internal::TraceStateRep* rep_ = nullptr;  // null when empty
};

}  // namespace traceprop

#endif  // TRACEPROP_CONTEXT_TRACESTATE_H_
