// TraceState: a single-pass, table-driven parser for the W3C `tracestate`
// header and the immutable representation it builds.
//
// Representation: one heap block per non-empty state, shared by every copy.
// The block holds the shared_ptr control block, a `TraceStateRep` (member
// count plus a fixed array of 32 offset triples) and, right behind it, the
// members' text in canonical form "k1=v1,k2=v2". Because the text is already
// the outgoing header, `ToHeader()` without truncation is one string copy,
// and equality is one memcmp.
//
// Where OpenTelemetry implementations depart from the W3C text (Trace
// Context Level 2 §3.3, §3.5), as read in opentelemetry-go 736a14fcd
// (trace/tracestate.go) and opentelemetry-cpp e35113804
// (api/include/opentelemetry/trace/trace_state.h):
//  - Key grammar. Level 2 has one rule:
//      key = ( lcalpha / DIGIT ) 0*255 ( keychar )
//      keychar = lcalpha / DIGIT / "_" / "-" / "*" / "/" / "@"
//    so `foo@`, `foo@@bar`, `a@b@c`, `t@` + 15 characters and `1special`
//    are valid. opentelemetry-go still applies Level 1 (simple keys start
//    with lcalpha; at most one '@'; tenant <= 241, system <= 14 characters
//    starting with lcalpha), so it drops whole headers the W3C suite (since
//    w3c/trace-context#584) expects to be kept. opentelemetry-cpp moved to
//    the Level 2 rule (#4194).
//  - Duplicate keys. The spec allows keeping or discarding them (§3.5
//    "vendors MAY also discard duplicate keys") and the suite's
//    test_tracestate_duplicated_keys expects the header to be *inherited*.
//    opentelemetry-go rejects the whole header. We keep the left-most (most
//    recent) member, like the suite's reference parser.
//  - White-space-only members ("a=1, ,b=2") are allowed (§3.3.1.1);
//    opentelemetry-go rejects the header.
//  - The 32-member limit: opentelemetry-cpp counts empty members too (a
//    32-member header with a trailing ',' is dropped). The ABNF makes an
//    empty (OWS) list-member a list-member, but the prose allows empty
//    members precisely so that joined header fields ("a=1" + "") survive;
//    we count only key=value members (duplicates included).
//  - Mutation. opentelemetry-cpp's Set() on an existing key adds the new
//    member and keeps the old one (a duplicate, which §3.5 forbids: "MUST
//    NOT result in the same key being present multiple times"); on a
//    32-member state it does not add the new member instead of dropping the
//    right-most; an invalid key or value (and Delete of an invalid key)
//    returns an *empty* state, losing every other vendor's member. Its
//    non-regex IsValidValue accepts a value ending in a space.
//  - Neither truncates outgoing headers to 512 characters (§3.3.1.5).
//  - opentelemetry-cpp validates with std::regex (~4.4 us for 4 members).

#include "traceprop/context/tracestate.h"

#include <cstdint>
#include <cstring>
#include <new>
#include <string>

#include "absl/base/config.h"
#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace traceprop {
namespace internal {

// TraceStateRep is the shared, immutable body of a non-empty TraceState.
// `text` points just behind this struct, inside the same allocation.
struct TraceStateRep {
  struct Member {
    uint16_t begin;       // offset of the key in `text`
    uint16_t key_size;    // 1..256
    uint16_t value_size;  // 1..256; the value starts at begin+key_size+1
  };

  // Leaves `members` uninitialised: the builder writes each one it uses.
  TraceStateRep() {}  // NOLINT(modernize-use-equals-default)

  absl::string_view key(size_t i) const {
    return absl::string_view(text + members[i].begin, members[i].key_size);
  }
  absl::string_view value(size_t i) const {
    return absl::string_view(text + members[i].begin + members[i].key_size + 1,
                             members[i].value_size);
  }
  // entry_size is the length of "key=value".
  size_t entry_size(size_t i) const {
    return static_cast<size_t>(members[i].key_size) + 1 + members[i].value_size;
  }

  const char* text = nullptr;
  uint32_t text_size = 0;
  uint32_t count = 0;
  Member members[TraceState::kMaxMembers];
};

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

// Allocator that places `tail` extra bytes behind the object allocate_shared
// creates, so rep and text share one allocation. It reports where the tail
// starts through `tail_out` (used once, during allocate_shared).
template <typename T>
struct TailAllocator {
  using value_type = T;

  TailAllocator(size_t tail_size, char** tail_out)
      : tail_size(tail_size), tail_out(tail_out) {}
  template <typename U>
  TailAllocator(const TailAllocator<U>& other)  // NOLINT: rebinding
      : tail_size(other.tail_size), tail_out(other.tail_out) {}

  T* allocate(size_t n) {
    static_assert(alignof(T) <= __STDCPP_DEFAULT_NEW_ALIGNMENT__,
                  "plain operator new must suffice");
    const size_t head = n * sizeof(T);
    char* block = static_cast<char*>(::operator new(head + tail_size));
    *tail_out = block + head;
    return reinterpret_cast<T*>(block);
  }
  void deallocate(T* p, size_t) { ::operator delete(p); }

  template <typename U>
  friend bool operator==(const TailAllocator&, const TailAllocator<U>&) {
    return true;  // Any instance may free any block.
  }
  template <typename U>
  friend bool operator!=(const TailAllocator&, const TailAllocator<U>&) {
    return false;
  }

  size_t tail_size;
  char** tail_out;
};

// Piece is one member on its way into a rep: views into the caller's
// text (header values, or the key/value passed to Set, or another rep).
struct Piece {
  const char* key;
  const char* value;
  uint16_t key_size;
  uint16_t value_size;
  // in_text: the source reads "key=value" (value == key + key_size + 1).
  bool in_text;
  // joined: in_text, and the previous piece's source ends one ',' before
  // this key (same buffer). Runs of joined pieces are copied at once.
  bool joined;
};

// Materialize copies `n` (1..32) pieces into a new rep: one allocation.
std::shared_ptr<const TraceStateRep> Materialize(const Piece* pieces,
                                                 size_t n) {
  size_t text_size = n - 1;  // commas
  for (size_t i = 0; i < n; ++i) {
    text_size += pieces[i].key_size + 1 + pieces[i].value_size;
  }
  char* text = nullptr;
  std::shared_ptr<TraceStateRep> rep = std::allocate_shared<TraceStateRep>(
      TailAllocator<TraceStateRep>(text_size, &text));
  rep->text = text;
  rep->text_size = static_cast<uint32_t>(text_size);
  rep->count = static_cast<uint32_t>(n);
  char* out = text;
  for (size_t i = 0; i < n;) {
    if (i != 0) *out++ = ',';
    const Piece& first = pieces[i];
    size_t j = i + 1;
    if (first.in_text) {
      while (j < n && pieces[j].joined) ++j;
      // One copy for the run [i, j): its source is already canonical.
      const Piece& last = pieces[j - 1];
      const size_t len =
          static_cast<size_t>(last.value + last.value_size - first.key);
      std::memcpy(out, first.key, len);
      const size_t base = static_cast<size_t>(out - text);
      for (size_t k = i; k < j; ++k) {
        rep->members[k] = {
            static_cast<uint16_t>(base + (pieces[k].key - first.key)),
            pieces[k].key_size, pieces[k].value_size};
      }
      out += len;
    } else {
      rep->members[i] = {static_cast<uint16_t>(out - text), first.key_size,
                         first.value_size};
      std::memcpy(out, first.key, first.key_size);
      out += first.key_size;
      *out++ = '=';
      std::memcpy(out, first.value, first.value_size);
      out += first.value_size;
    }
    i = j;
  }
  return rep;
}

// RepPiece is member `i` of `rep` as a Piece (its text is canonical).
Piece RepPiece(const TraceStateRep& rep, size_t i, bool joined) {
  const TraceStateRep::Member& m = rep.members[i];
  const char* key = rep.text + m.begin;
  return Piece{key,   key + m.key_size + 1, m.key_size, m.value_size, true,
               joined};
}

inline uint64_t Load64(const char* p) {
  uint64_t x;
  std::memcpy(&x, p, sizeof(x));
  return x;
}

// Fingerprint hashes a key whose member text [key, member_end) is at least
// key_size + 2 bytes long; equal keys have equal fingerprints. Used only to
// skip full comparisons when looking for duplicates.
inline uint32_t Fingerprint(const char* key, size_t size,
                            const char* member_end) {
  uint64_t head;
  uint64_t tail = 0;
  if (member_end - key >= 8) {
    head = Load64(key);
    if (size < 8) {  // keep only the key's bytes
#if defined(ABSL_IS_BIG_ENDIAN)
      head &= ~uint64_t{0} << (64 - 8 * size);
#else
      head &= ~uint64_t{0} >> (64 - 8 * size);
#endif
    } else {
      tail = Load64(key + size - 8);
    }
  } else {
    // The same bytes at the same places as the masked load above.
    head = 0;
    std::memcpy(&head, key, size);
  }
  uint64_t h =
      (head ^ (static_cast<uint64_t>(size) << 56)) * 0x9E3779B97F4A7C15u ^
      tail * 0xC2B2AE3D27D4EB4Fu;
  h ^= h >> 29;
  return static_cast<uint32_t>(h ^ (h >> 32));
}

// ValueWordBad is non-zero when one of 8 bytes is not `chr` (0x20-0x7e
// except ',' and '='): exact "any byte" tests (Bit Twiddling Hacks).
inline uint64_t ValueWordBad(uint64_t x) {
  constexpr uint64_t k01 = 0x0101010101010101u;
  constexpr uint64_t k80 = 0x8080808080808080u;
  const uint64_t below_20 = (x - k01 * 0x20) & ~x & k80;
  const uint64_t above_7e = ((x + k01 * 0x01) | x) & k80;
  const uint64_t comma = x ^ (k01 * ',');
  const uint64_t equals = x ^ (k01 * '=');
  const uint64_t has_comma = (comma - k01) & ~comma & k80;
  const uint64_t has_equals = (equals - k01) & ~equals & k80;
  return below_20 | above_7e | has_comma | has_equals;
}

inline bool AllValueChars(const char* v, size_t n) {
  size_t i = 0;
  uint64_t bad = 0;
  for (; i + 8 <= n; i += 8) bad |= ValueWordBad(Load64(v + i));
  if (bad != 0) return false;
  uint8_t all = kValueChar;
  for (; i < n; ++i) all &= Class(v[i]);
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

// ParseState accumulates the members of all header values of a message.
struct ParseState {
  Piece pieces[TraceState::kMaxMembers];
  uint32_t fingerprints[TraceState::kMaxMembers];
  uint64_t seen = 0;   // bit (fingerprint % 64) of every kept key
  size_t kept = 0;     // distinct members in `pieces`
  size_t members = 0;  // non-empty members received, duplicates included
  // End of the last kept member's text in the current header, or null at
  // the start of a header and after a dropped duplicate.
  const char* last_end = nullptr;
};

// ParseMember checks one trimmed, non-empty list-member [p, end) and adds it
// to `st` unless its key was already seen.
absl::Status ParseMember(const char* p, const char* end, ParseState* st) {
  const absl::string_view member(p, static_cast<size_t>(end - p));
  const size_t index = ++st->members;
  if (index > TraceState::kMaxMembers) {
    return Invalid(index, member,
                   "more than 32 list-members (W3C Trace Context §3.3.1.1)");
  }
  // key
  if ((Class(*p) & kKeyFirst) == 0) {
    return Invalid(index, member,
                   "key must start with a lowercase letter or a digit");
  }
  const char* k = p + 1;
  while (k < end && (Class(*k) & kKeyChar) != 0) ++k;
  const size_t key_size = static_cast<size_t>(k - p);
  if (k == end || *k != '=') {
    return Invalid(index, member,
                   k == end ? "no '=' after the key"
                            : "key has a character outside "
                              "[a-z0-9_*/@-] (or no '=' after it)");
  }
  if (key_size > TraceState::kMaxKeySize) {
    return Invalid(index, member, "key is longer than 256 characters");
  }
  // value: [k + 1, end); `end` is already past trailing OWS, so the last
  // character is not a space.
  const char* v = k + 1;
  const size_t value_size = static_cast<size_t>(end - v);
  if (value_size == 0) return Invalid(index, member, "value is empty");
  if (value_size > TraceState::kMaxValueSize) {
    return Invalid(index, member, "value is longer than 256 characters");
  }
  if (!AllValueChars(v, value_size)) {
    return Invalid(index, member,
                   "value has a character outside printable ASCII 0x20-0x7e "
                   "or a ',' or '='");
  }
  // Duplicate key: keep the left-most (most recent, §3.5) member.
  const uint32_t fp = Fingerprint(p, key_size, end);
  const uint64_t bit = uint64_t{1} << (fp >> 26);
  if ((st->seen & bit) != 0) {
    bool maybe = false;  // a branch-free scan the compiler vectorises
    for (size_t i = 0; i < st->kept; ++i) maybe |= st->fingerprints[i] == fp;
    if (maybe) {
      for (size_t i = 0; i < st->kept; ++i) {
        if (st->fingerprints[i] == fp && st->pieces[i].key_size == key_size &&
            std::memcmp(st->pieces[i].key, p, key_size) == 0) {
          st->last_end = nullptr;  // the next member is not adjacent
          return absl::OkStatus();
        }
      }
    }
  }
  st->seen |= bit;
  st->fingerprints[st->kept] = fp;
  const bool joined = st->last_end != nullptr && p == st->last_end + 1;
  st->pieces[st->kept++] = {p,
                            v,
                            static_cast<uint16_t>(key_size),
                            static_cast<uint16_t>(value_size),
                            /*in_text=*/true,
                            joined};
  st->last_end = end;
  return absl::OkStatus();
}

absl::Status ParseHeader(absl::string_view header, ParseState* st) {
  st->last_end = nullptr;  // never join members of two header fields
  const char* p = header.data();
  const char* const end = p + header.size();
  while (true) {
    while (p < end && (Class(*p) & kOws) != 0) ++p;
    const void* comma = std::memchr(p, ',', static_cast<size_t>(end - p));
    const char* member_end =
        comma != nullptr ? static_cast<const char*>(comma) : end;
    const char* e = member_end;
    while (e > p && (Class(e[-1]) & kOws) != 0) --e;
    if (e > p) {
      absl::Status s = ParseMember(p, e, st);
      if (!s.ok()) return s;
    }
    if (member_end == end) return absl::OkStatus();
    p = member_end + 1;
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
  if (st.kept == 0) return TraceState();
  return TraceState(Materialize(st.pieces, st.kept));
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
  return AllValueChars(value.data(), value.size());
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
  Piece pieces[kMaxMembers];
  pieces[0] = {key.data(), value.data(), static_cast<uint16_t>(key.size()),
               static_cast<uint16_t>(value.size())};
  size_t n = 1;
  if (rep_ != nullptr) {
    // Unmodified members keep their order (§3.5); if the list would grow
    // to 33, the right-most is dropped.
    size_t previous = rep_->count;  // rep index of pieces[n - 1]
    for (size_t i = 0; i < rep_->count && n < kMaxMembers; ++i) {
      if (rep_->key(i) == key) continue;
      pieces[n++] = RepPiece(*rep_, i, /*joined=*/previous + 1 == i);
      previous = i;
    }
  }
  return TraceState(Materialize(pieces, n));
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
  Piece pieces[kMaxMembers];
  size_t n = 0;
  for (size_t i = 0; i < rep_->count; ++i) {
    if (i == found) continue;
    const bool joined = n != 0 && i != found + 1;  // rep neighbour i-1 kept
    pieces[n++] = RepPiece(*rep_, i, joined);
  }
  return TraceState(Materialize(pieces, n));
}

std::string TraceState::ToHeader(size_t max_size) const {
  if (rep_ == nullptr) return std::string();
  const TraceStateRep& r = *rep_;
  if (r.text_size <= max_size) return std::string(r.text, r.text_size);

  // §3.3.1.5: drop whole entries; entries longer than 128 characters first,
  // right-most first; then the others, right-most first; stop once it fits.
  bool keep[kMaxMembers];
  size_t kept = r.count;
  size_t total = r.text_size;
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
    out.append(r.text + r.members[i].begin, r.entry_size(i));
  }
  return out;
}

bool operator==(const TraceState& a, const TraceState& b) {
  if (a.rep_ == b.rep_) return true;
  if (a.rep_ == nullptr || b.rep_ == nullptr) return false;
  // The canonical text determines the list: keys and values contain
  // neither ',' nor '='.
  return a.rep_->text_size == b.rep_->text_size &&
         std::memcmp(a.rep_->text, b.rep_->text, a.rep_->text_size) == 0;
}

}  // namespace traceprop
