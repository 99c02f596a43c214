#include "traceprop/context/baggage.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace traceprop {
namespace {

// IsTchar: RFC 7230 §3.2.6 token characters.
bool IsTchar(unsigned char c) {
  if (absl::ascii_isalnum(c)) return true;
  switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*':
    case '+': case '-': case '.': case '^': case '_': case '`': case '|':
    case '~':
      return true;
    default:
      return false;
  }
}

bool IsToken(absl::string_view s) {
  if (s.empty()) return false;
  for (unsigned char c : s) {
    if (!IsTchar(c)) return false;
  }
  return true;
}

// IsBaggageOctet: %x21 / %x23-2B / %x2D-3A / %x3C-5B / %x5D-7E.
bool IsBaggageOctet(unsigned char c) {
  return c >= 0x21 && c <= 0x7e && c != '"' && c != ',' && c != ';' &&
         c != '\\';
}

bool AllBaggageOctets(absl::string_view s) {
  for (unsigned char c : s) {
    if (!IsBaggageOctet(c)) return false;
  }
  return true;
}

absl::string_view TrimOws(absl::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// IsUtf8 checks well-formed UTF-8 (no overlong forms, no surrogates, at
// most U+10FFFF).
bool IsUtf8(absl::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  while (p < end) {
    unsigned char c = *p;
    size_t n;
    uint32_t cp;
    if (c < 0x80) { ++p; continue; }
    if (c >= 0xc2 && c <= 0xdf) { n = 1; cp = c & 0x1f; }
    else if (c >= 0xe0 && c <= 0xef) { n = 2; cp = c & 0x0f; }
    else if (c >= 0xf0 && c <= 0xf4) { n = 3; cp = c & 0x07; }
    else return false;
    if (static_cast<size_t>(end - p) <= n) return false;
    for (size_t i = 1; i <= n; ++i) {
      if ((p[i] & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (p[i] & 0x3f);
    }
    if ((n == 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
        (n == 3 && (cp < 0x10000 || cp > 0x10ffff))) {
      return false;
    }
    p += n + 1;
  }
  return true;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = absl::ascii_tolower(c);
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// PercentDecode decodes %XX escapes (either case); false on a bad escape.
bool PercentDecode(absl::string_view in, std::string* out) {
  out->clear();
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out->push_back(in[i]);
      continue;
    }
    if (i + 2 >= in.size()) return false;
    int hi = HexValue(in[i + 1]), lo = HexValue(in[i + 2]);
    if (hi < 0 || lo < 0) return false;
    out->push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return true;
}

// PercentEncode keeps baggage-octets other than '%' and encodes every
// other byte as %XX.
void PercentEncode(absl::string_view in, std::string* out) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (unsigned char c : in) {
    if (IsBaggageOctet(c) && c != '%') {
      out->push_back(static_cast<char>(c));
    } else {
      out->push_back('%');
      out->push_back(kHex[c >> 4]);
      out->push_back(kHex[c & 0xf]);
    }
  }
}

// NormalizeProperties checks `raw` (the text after the value's first ';',
// or several ';'-separated properties) and returns it with OWS trimmed
// around each property and its '='; nullopt when a property is invalid.
std::optional<std::string> NormalizeProperties(absl::string_view raw) {
  std::string out;
  for (absl::string_view property : absl::StrSplit(raw, ';')) {
    property = TrimOws(property);
    size_t eq = property.find('=');
    absl::string_view key = TrimOws(property.substr(0, eq));
    if (!IsToken(key)) return std::nullopt;
    if (!out.empty()) out.push_back(';');
    absl::StrAppend(&out, key);
    if (eq != absl::string_view::npos) {
      absl::string_view value = TrimOws(property.substr(eq + 1));
      if (!AllBaggageOctets(value)) return std::nullopt;
      absl::StrAppend(&out, "=", value);
    }
  }
  return out;
}

// ParseMember parses one list-member; nullopt when it is not valid.
std::optional<Baggage::Member> ParseMember(absl::string_view text) {
  size_t semi = text.find(';');
  absl::string_view pair = text.substr(0, semi);
  size_t eq = pair.find('=');
  if (eq == absl::string_view::npos) return std::nullopt;
  Baggage::Member m;
  absl::string_view key = TrimOws(pair.substr(0, eq));
  absl::string_view value = TrimOws(pair.substr(eq + 1));
  if (!IsToken(key) || !AllBaggageOctets(value)) return std::nullopt;
  if (!PercentDecode(value, &m.value) || !IsUtf8(m.value)) return std::nullopt;
  m.key = std::string(key);
  if (semi != absl::string_view::npos) {
    std::optional<std::string> props = NormalizeProperties(text.substr(semi + 1));
    if (!props.has_value()) return std::nullopt;
    m.properties = std::move(*props);
  }
  return m;
}

// EncodedSize is the size of `m` in a header.
size_t EncodedSize(const Baggage::Member& m) {
  std::string encoded;
  PercentEncode(m.value, &encoded);
  return m.key.size() + 1 + encoded.size() +
         (m.properties.empty() ? 0 : 1 + m.properties.size());
}

}  // namespace

Baggage::Baggage(std::vector<Member> members)
    : members_(members.empty() ? nullptr
                               : std::make_shared<const std::vector<Member>>(
                                     std::move(members))) {}

Baggage Baggage::Parse(absl::Span<const absl::string_view> headers,
                       ParseStats* stats) {
  ParseStats local;
  ParseStats& s = stats != nullptr ? *stats : local;
  std::vector<Member> members;
  size_t header_size = 0;
  for (absl::string_view header : headers) {
    for (absl::string_view text : absl::StrSplit(header, ',')) {
      if (TrimOws(text).empty()) continue;  // empty list elements: ignored
      std::optional<Member> m = ParseMember(text);
      if (!m.has_value()) {
        ++s.invalid_members;
        continue;
      }
      const size_t size = EncodedSize(*m) + (members.empty() ? 0 : 1);
      if (members.size() == kMaxMembers || header_size + size > kMaxHeaderSize) {
        ++s.over_limit;
        continue;
      }
      header_size += size;
      members.push_back(std::move(*m));
    }
  }
  return Baggage(std::move(members));
}

std::optional<std::string> Baggage::Get(absl::string_view key) const {
  for (const Member& m : members()) {
    if (m.key == key) return m.value;
  }
  return std::nullopt;
}

absl::StatusOr<Baggage> Baggage::Set(absl::string_view key,
                                     absl::string_view value,
                                     absl::string_view properties) const {
  if (!IsToken(key)) {
    return absl::InvalidArgumentError("baggage key must be a token (RFC 7230)");
  }
  if (!IsUtf8(value)) {
    return absl::InvalidArgumentError("baggage value must be UTF-8");
  }
  Member added{std::string(key), std::string(value), ""};
  if (!properties.empty()) {
    std::optional<std::string> props = NormalizeProperties(properties);
    if (!props.has_value()) {
      return absl::InvalidArgumentError(
          "baggage properties must be ';'-separated key or key=value");
    }
    added.properties = std::move(*props);
  }
  std::vector<Member> members;
  bool placed = false;
  for (const Member& m : this->members()) {
    if (m.key != key) {
      members.push_back(m);
    } else if (!placed) {
      members.push_back(added);
      placed = true;
    }
  }
  if (!placed) members.push_back(std::move(added));
  return Baggage(std::move(members));
}

Baggage Baggage::Erase(absl::string_view key) const {
  std::vector<Member> members;
  for (const Member& m : this->members()) {
    if (m.key != key) members.push_back(m);
  }
  return Baggage(std::move(members));
}

std::string Baggage::ToHeader(size_t max_size) const {
  std::string out;
  for (const Member& m : members()) {
    std::string member = m.key;
    member.push_back('=');
    PercentEncode(m.value, &member);
    if (!m.properties.empty()) absl::StrAppend(&member, ";", m.properties);
    const size_t add = member.size() + (out.empty() ? 0 : 1);
    if (out.size() + add > max_size) break;
    if (!out.empty()) out.push_back(',');
    out += member;
  }
  return out;
}

}  // namespace traceprop
