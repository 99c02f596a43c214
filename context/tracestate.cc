// TraceState: the W3C `tracestate` parser and the immutable representation
// it builds. Design notes and how other libraries differ: docs/DESIGN.md.
//
// Representation: a non-empty state is one reference-counted block, a
// `TraceStateRep` followed by the members' text in canonical form
// "k1=v1,k2=v2" (one allocation per parse; a make_shared rep and its
// std::string text were two). Because the text is already the outgoing
// header, `ToHeader()` without truncation is one string copy, and equality
// is one comparison.

#include "traceprop/context/tracestate.h"

#include <atomic>
#include <cstdint>
#include <cstring>
#include <new>
#include <string>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace traceprop {
namespace internal {

// TraceStateRep is the shared, immutable head of a non-empty TraceState's
// block; its `text_size` characters follow it.
struct TraceStateRep {
  // Leaves `members` uninitialised: only the first `count` are read.
  TraceStateRep() {}

  struct Member {
    uint16_t begin;       // offset of the key in text()
    uint16_t key_size;    // 1..256
    uint16_t value_size;  // 1..256; the value starts at begin+key_size+1
  };

  absl::string_view text() const {
    return absl::string_view(reinterpret_cast<const char*>(this + 1),
                             text_size);
  }
  absl::string_view key(size_t i) const {
    return text().substr(members[i].begin, members[i].key_size);
  }
  absl::string_view value(size_t i) const {
    return text().substr(members[i].begin + members[i].key_size + 1,
                         members[i].value_size);
  }
  // entry_size is the length of "key=value".
  size_t entry_size(size_t i) const {
    return static_cast<size_t>(members[i].key_size) + 1 + members[i].value_size;
  }

  mutable std::atomic<uint32_t> refs{1};
  uint16_t count = 0;
  uint16_t text_size = 0;
  Member members[TraceState::kMaxMembers];  // the first `count` are set
};

void Ref(const TraceStateRep* rep) {
  rep->refs.fetch_add(1, std::memory_order_relaxed);
}

void Unref(const TraceStateRep* rep) {
  if (rep->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) {
    rep->~TraceStateRep();
    ::operator delete(const_cast<TraceStateRep*>(rep));
  }
}

}  // namespace internal

namespace {

using internal::TraceStateRep;

// The largest canonical text: 32 * (256 + 1 + 256) + 31 commas. Offsets
// into it fit in uint16_t.
constexpr size_t kMaxTextSize =
    TraceState::kMaxMembers *
        (TraceState::kMaxKeySize + 1 + TraceState::kMaxValueSize) +
    TraceState::kMaxMembers - 1;
static_assert(kMaxTextSize <= 0xffff, "offsets are uint16_t");

// Character classes, one table lookup per byte.
enum : uint8_t {
  kKeyFirst = 1 << 0,   // lcalpha / DIGIT
  kKeyChar = 1 << 1,    // lcalpha / DIGIT / "_" / "-" / "*" / "/" / "@"
  kValueChar = 1 << 2,  // chr: %x20-2B / %x2D-3C / %x3E-7E
  kOws = 1 << 3,        // SP / HTAB (RFC 9110 OWS)
};

struct CharTable {
  uint8_t cls[256];
  constexpr CharTable() : cls() {
    for (int c = 'a'; c <= 'z'; ++c) cls[c] |= kKeyFirst | kKeyChar;
    for (int c = '0'; c <= '9'; ++c) cls[c] |= kKeyFirst | kKeyChar;
    constexpr char kExtra[] = "_-*/@";
    for (int i = 0; kExtra[i] != '\0'; ++i) {
      cls[static_cast<unsigned char>(kExtra[i])] |= kKeyChar;
    }
    for (int c = 0x20; c <= 0x7e; ++c) {
      if (c != ',' && c != '=') cls[c] |= kValueChar;
    }
    cls[static_cast<unsigned char>(' ')] |= kOws;
    cls[static_cast<unsigned char>('\t')] |= kOws;
  }
};
constexpr CharTable kChars{};

inline uint8_t Class(char c) {
  return kChars.cls[static_cast<unsigned char>(c)];
}

// Member is one "key=value" entry on its way into a rep: a view into the
// caller's text (a header value, another rep, or Set's buffer). Plain data,
// so that a ParseState of 32 of them costs no initialisation.
struct Member {
  const char* entry;  // key_size bytes of key, '=', value_size bytes of value
  size_t key_size;
  size_t value_size;

  absl::string_view key() const { return absl::string_view(entry, key_size); }
  size_t size() const { return key_size + 1 + value_size; }
};

// RepMember is member `i` of `rep`.
Member RepMember(const TraceStateRep& rep, size_t i) {
  return {rep.text().data() + rep.members[i].begin, rep.members[i].key_size,
          rep.members[i].value_size};
}

// Materialize copies `n` (1..32) members into a new rep (reference count
// 1).
const TraceStateRep* Materialize(const Member* members, size_t n) {
  size_t text_size = n - 1;  // commas
  for (size_t i = 0; i < n; ++i) text_size += members[i].size();
  auto* rep =
      new (::operator new(sizeof(TraceStateRep) + text_size)) TraceStateRep;
  rep->count = static_cast<uint16_t>(n);
  rep->text_size = static_cast<uint16_t>(text_size);
  char* const text = reinterpret_cast<char*>(rep + 1);
  char* out = text;
  for (size_t i = 0; i < n; ++i) {
    const Member& m = members[i];
    if (i != 0) *out++ = ',';
    rep->members[i] = {static_cast<uint16_t>(out - text),
                       static_cast<uint16_t>(m.key_size),
                       static_cast<uint16_t>(m.value_size)};
    std::memcpy(out, m.entry, m.size());
    out += m.size();
  }
  return rep;
}

// AllValueChars: every byte is chr (0x20-0x7e but ',' and '='). With SSE2,
// 16 bytes at a time: a 32-member parse took 1,122 ns with the byte loop
// alone, 970 ns this way (target 1 us; docs/DESIGN.md, 2026-12-02).
bool AllValueChars(absl::string_view value) {
  const char* p = value.data();
  size_t n = value.size();
#if defined(__SSE2__)
  for (; n >= 16; p += 16, n -= 16) {
    const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    // Signed compares: bytes >= 0x80 are negative, so below 0x20.
    __m128i bad = _mm_or_si128(_mm_cmplt_epi8(b, _mm_set1_epi8(0x20)),
                               _mm_cmpgt_epi8(b, _mm_set1_epi8(0x7e)));
    bad = _mm_or_si128(bad, _mm_cmpeq_epi8(b, _mm_set1_epi8(',')));
    bad = _mm_or_si128(bad, _mm_cmpeq_epi8(b, _mm_set1_epi8('=')));
    if (_mm_movemask_epi8(bad) != 0) return false;
  }
#endif
  uint8_t all = kValueChar;
  for (; n > 0; ++p, --n) all &= Class(*p);
  return all != 0;
}

absl::Status Invalid(size_t member_index, absl::string_view member,
                     absl::string_view why) {
  constexpr size_t kShown = 40;
  const bool cut = member.size() > kShown;
  return absl::InvalidArgumentError(
      absl::StrCat("tracestate: list-member ", member_index, " \"",
                   absl::CHexEscape(member.substr(0, kShown)),
                   cut ? "...\"" : "\"", ": ", why));
}

// KeyHash mixes a key's length with its first and last eight bytes (fewer
// when shorter): equal keys hash equal, and a collision only costs a
// comparison. FNV-1a over every byte (each multiply waiting for the last)
// and two copies per member took 115 / 809 ns per 4 / 32-member parse,
// this 100 / 634 ns (docs/DESIGN.md).
uint32_t KeyHash(absl::string_view key) {
  const char* p = key.data();
  const size_t n = key.size();  // 1..256
  uint64_t first;
  uint64_t last;
  if (n >= 8) {
    std::memcpy(&first, p, 8);
    std::memcpy(&last, p + n - 8, 8);
  } else if (n >= 4) {
    uint32_t a, b;
    std::memcpy(&a, p, 4);
    std::memcpy(&b, p + n - 4, 4);
    first = a;
    last = b;
  } else {
    first = static_cast<unsigned char>(p[0]) |
            static_cast<unsigned char>(p[n / 2]) << 8 |
            static_cast<unsigned char>(p[n - 1]) << 16;
    last = 0;
  }
  // A product's high bits depend on all of its factor's bits.
  const uint64_t h =
      (first ^ n) * 0x9e3779b97f4a7c15u ^ last * 0xc2b2ae3d27d4eb4fu;
  return static_cast<uint32_t>(h >> 32);
}

// ParseState accumulates the members of all header values of a message.
struct ParseState {
  Member kept[TraceState::kMaxMembers];
  uint32_t key_hashes[TraceState::kMaxMembers];  // KeyHash of each kept key
  // Open addressing over the kept keys by hash: 0 empty, else index + 1.
  // 64 slots for at most 32 keys.
  uint8_t slots[2 * TraceState::kMaxMembers] = {};
  size_t kept_count = 0;  // distinct members in `kept`
  size_t members = 0;     // non-empty members received, duplicates included
};

// ParseMember checks one trimmed, non-empty list-member and adds it to `st`
// unless its key was already seen.
absl::Status ParseMember(absl::string_view member, ParseState* st) {
  const size_t index = ++st->members;
  if (index > TraceState::kMaxMembers) {
    return Invalid(index, member,
                   "more than 32 list-members (W3C Trace Context §3.3.1.1)");
  }
  if ((Class(member[0]) & kKeyFirst) == 0) {
    return Invalid(index, member,
                   "key must start with a lowercase letter or a digit");
  }
  size_t key_size = 1;
  while (key_size < member.size() &&
         (Class(member[key_size]) & kKeyChar) != 0) {
    ++key_size;
  }
  if (key_size == member.size()) {
    return Invalid(index, member, "no '=' after the key");
  }
  if (member[key_size] != '=') {
    return Invalid(index, member,
                   "key has a character outside [a-z0-9_*/@-] (or no '=' "
                   "after it)");
  }
  if (key_size > TraceState::kMaxKeySize) {
    return Invalid(index, member, "key is longer than 256 characters");
  }
  // The member is trimmed, so the value does not end in a space.
  const absl::string_view key = member.substr(0, key_size);
  const absl::string_view value = member.substr(key_size + 1);
  if (value.empty()) return Invalid(index, member, "value is empty");
  if (value.size() > TraceState::kMaxValueSize) {
    return Invalid(index, member, "value is longer than 256 characters");
  }
  if (!AllValueChars(value)) {
    return Invalid(index, member,
                   "value has a character outside printable ASCII 0x20-0x7e "
                   "or a ',' or '='");
  }
  // Duplicate key: keep the left-most (most recent, §3.5) member. A hash
  // table rather than comparing with every kept key: the 32-member parse
  // took ~1,070 ns that way (target 1 us), ~820 ns this way.
  constexpr size_t kMask = 2 * TraceState::kMaxMembers - 1;
  static_assert(kMask == 63, "the slot is the hash's top 6 bits");
  const uint32_t hash = KeyHash(key);
  size_t s = hash >> 26;  // the top 6 bits: 0..kMask
  for (; st->slots[s] != 0; s = (s + 1) & kMask) {
    const size_t i = st->slots[s] - 1;
    if (st->key_hashes[i] == hash && st->kept[i].key() == key) {
      return absl::OkStatus();
    }
  }
  st->slots[s] = static_cast<uint8_t>(st->kept_count + 1);
  st->key_hashes[st->kept_count] = hash;
  st->kept[st->kept_count++] = {member.data(), key_size, value.size()};
  return absl::OkStatus();
}

bool IsOws(char c) { return (Class(c) & kOws) != 0; }

absl::Status ParseHeader(absl::string_view header, ParseState* st) {
  const char* p = header.data();
  const char* const end = p + header.size();
  while (true) {
    const void* found = std::memchr(p, ',', static_cast<size_t>(end - p));
    const char* const comma =
        found != nullptr ? static_cast<const char*>(found) : end;
    const char* e = comma;
    while (p < e && IsOws(*p)) ++p;
    while (e > p && IsOws(e[-1])) --e;
    if (e > p) {
      absl::Status s =
          ParseMember(absl::string_view(p, static_cast<size_t>(e - p)), st);
      if (!s.ok()) return s;
    }
    if (comma == end) return absl::OkStatus();
    p = comma + 1;
  }
}

}  // namespace

absl::StatusOr<TraceState> TraceState::Parse(absl::string_view header) {
  return Parse(absl::Span<const absl::string_view>(&header, 1));
}

absl::StatusOr<TraceState> TraceState::Parse(
    absl::Span<const absl::string_view> headers) {
  ParseState st;
  for (absl::string_view header : headers) {
    absl::Status s = ParseHeader(header, &st);
    if (!s.ok()) return s;
  }
  if (st.kept_count == 0) return TraceState();
  return TraceState(Materialize(st.kept, st.kept_count));
}

bool TraceState::IsValidKey(absl::string_view key) {
  if (key.empty() || key.size() > kMaxKeySize) return false;
  if ((Class(key[0]) & kKeyFirst) == 0) return false;
  uint8_t all = kKeyChar;
  for (char c : key) all &= Class(c);
  return all != 0;
}

bool TraceState::IsValidValue(absl::string_view value) {
  if (value.empty() || value.size() > kMaxValueSize) return false;
  if (value.back() == ' ') return false;
  return AllValueChars(value);
}

size_t TraceState::size() const { return rep_ == nullptr ? 0 : rep_->count; }

std::optional<absl::string_view> TraceState::Get(absl::string_view key) const {
  if (rep_ == nullptr) return std::nullopt;
  for (size_t i = 0; i < rep_->count; ++i) {
    if (rep_->key(i) == key) return rep_->value(i);
  }
  return std::nullopt;
}

std::vector<TraceState::Entry> TraceState::entries() const {
  std::vector<Entry> out;
  if (rep_ == nullptr) return out;
  out.reserve(rep_->count);
  for (size_t i = 0; i < rep_->count; ++i) {
    out.push_back(Entry{rep_->key(i), rep_->value(i)});
  }
  return out;
}

absl::StatusOr<TraceState> TraceState::Set(absl::string_view key,
                                           absl::string_view value) const {
  if (!IsValidKey(key)) {
    return absl::InvalidArgumentError(
        "tracestate: Set: key must be 1-256 characters of [a-z0-9_*/@-] "
        "starting with [a-z0-9] (W3C Trace Context §3.3.1.3.1)");
  }
  if (!IsValidValue(value)) {
    return absl::InvalidArgumentError(
        "tracestate: Set: value must be 1-256 printable ASCII characters "
        "other than ',' and '=', not ending in a space (§3.3.1.3.2)");
  }
  char entry[kMaxKeySize + 1 + kMaxValueSize];
  std::memcpy(entry, key.data(), key.size());
  entry[key.size()] = '=';
  std::memcpy(entry + key.size() + 1, value.data(), value.size());
  Member members[kMaxMembers];
  members[0] = {entry, key.size(), value.size()};
  size_t n = 1;
  if (rep_ != nullptr) {
    // Unmodified members keep their order (§3.5); if the list would grow
    // to 33, the right-most is dropped.
    for (size_t i = 0; i < rep_->count && n < kMaxMembers; ++i) {
      if (rep_->key(i) != key) {
        members[n++] = RepMember(*rep_, i);
      }
    }
  }
  return TraceState(Materialize(members, n));
}

TraceState TraceState::Erase(absl::string_view key) const {
  if (rep_ == nullptr) return *this;
  size_t found = rep_->count;
  for (size_t i = 0; i < rep_->count; ++i) {
    if (rep_->key(i) == key) {
      found = i;
      break;
    }
  }
  if (found == rep_->count) return *this;
  if (rep_->count == 1) return TraceState();
  Member members[kMaxMembers];
  size_t n = 0;
  for (size_t i = 0; i < rep_->count; ++i) {
    if (i != found) members[n++] = RepMember(*rep_, i);
  }
  return TraceState(Materialize(members, n));
}

std::string TraceState::ToHeader(size_t max_size) const {
  if (rep_ == nullptr) return std::string();
  const TraceStateRep& r = *rep_;
  if (r.text().size() <= max_size) return std::string(r.text());

  // §3.3.1.5: drop whole entries; entries longer than 128 characters first,
  // right-most first; then the others, right-most first; stop once it fits.
  bool keep[kMaxMembers];
  size_t kept = r.count;
  size_t total = r.text().size();
  for (size_t i = 0; i < r.count; ++i) keep[i] = true;
  auto drop = [&](size_t i) {
    keep[i] = false;
    total -= r.entry_size(i) + (kept > 1 ? 1 : 0);
    --kept;
  };
  for (size_t i = r.count; i-- > 0 && total > max_size;) {
    if (r.entry_size(i) > kLargeEntrySize) drop(i);
  }
  for (size_t i = r.count; i-- > 0 && total > max_size;) {
    if (keep[i]) drop(i);
  }
  std::string out;
  out.reserve(total);
  for (size_t i = 0; i < r.count; ++i) {
    if (!keep[i]) continue;
    if (!out.empty()) out.push_back(',');
    out.append(r.text().data() + r.members[i].begin, r.entry_size(i));
  }
  return out;
}

bool operator==(const TraceState& a, const TraceState& b) {
  if (a.rep_ == b.rep_) return true;
  if (a.rep_ == nullptr || b.rep_ == nullptr) return false;
  // The canonical text determines the list: keys and values contain
  // neither ',' nor '='.
  return a.rep_->text() == b.rep_->text();
}

}  // namespace traceprop
