#include "traceprop/interceptors/internal/server_address.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/strip.h"

namespace traceprop {
namespace internal {
namespace {

bool Printable(absl::string_view s) {
  for (char c : s) {
    if (c <= 0x20 || c > 0x7e) return false;
  }
  return true;
}

// Port: 1 to 5 decimal digits, at most 65535 (no sign, no spaces).
bool ParsePort(absl::string_view s, int* port) {
  if (s.empty() || s.size() > 5) return false;
  int p = 0;
  for (char c : s) {
    if (!absl::ascii_isdigit(c)) return false;
    p = p * 10 + (c - '0');
  }
  if (p > 65535) return false;
  *port = p;
  return true;
}

// HostPort reads "host", "host:port", "[v6]", "[v6]:port" or a bare IPv6
// address.
std::optional<ServerAddress> HostPort(absl::string_view s) {
  if (s.empty() || !Printable(s)) return std::nullopt;
  ServerAddress out;
  if (s[0] == '[') {
    const size_t close = s.find(']');
    if (close == absl::string_view::npos || close == 1) return std::nullopt;
    out.address = std::string(s.substr(1, close - 1));
    absl::string_view rest = s.substr(close + 1);
    if (rest.empty()) return out;
    if (!absl::ConsumePrefix(&rest, ":") || !ParsePort(rest, &out.port))
      return std::nullopt;
    return out;
  }
  const size_t colon = s.find(':');
  if (colon == absl::string_view::npos) {
    out.address = std::string(s);
    return out;
  }
  if (s.find(':', colon + 1) != absl::string_view::npos) {
    out.address = std::string(s);  // a bare IPv6 address: no port
    return out;
  }
  if (colon == 0 || !ParsePort(s.substr(colon + 1), &out.port))
    return std::nullopt;
  out.address = std::string(s.substr(0, colon));
  return out;
}

// A URI scheme: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) (RFC 3986 §3.1).
bool IsScheme(absl::string_view s) {
  if (s.empty() || !absl::ascii_isalpha(s[0])) return false;
  for (char c : s) {
    if (!absl::ascii_isalnum(c) && c != '+' && c != '-' && c != '.')
      return false;
  }
  return true;
}

}  // namespace

std::optional<ServerAddress> ParseServerAddress(absl::string_view target) {
  absl::string_view t = absl::StripAsciiWhitespace(target);
  if (t == "inproc") return ServerAddress{"inproc", -1, /*in_process=*/true};
  if (absl::ConsumePrefix(&t, "unix-abstract:") ||
      absl::ConsumePrefix(&t, "unix:")) {
    // unix:///abs/path has an empty authority: keep the absolute path.
    if (absl::StartsWith(t, "///")) t.remove_prefix(2);
    if (t.empty() || !Printable(t)) return std::nullopt;
    return ServerAddress{std::string(t), -1};
  }
  if (absl::ConsumePrefix(&t, "ipv4:") || absl::ConsumePrefix(&t, "ipv6:")) {
    return HostPort(t.substr(0, t.find(',')));  // the first of a list
  }
  if (absl::ConsumePrefix(&t, "dns:")) {
    if (absl::ConsumePrefix(&t, "//")) {  // dns://authority/host:port
      const size_t slash = t.find('/');
      if (slash == absl::string_view::npos) return std::nullopt;
      t.remove_prefix(slash + 1);
    }
    return HostPort(t);
  }
  // Any other "scheme://authority/endpoint" (xds:///svc, ...).
  const size_t sep = t.find("://");
  if (sep != absl::string_view::npos && IsScheme(t.substr(0, sep))) {
    absl::string_view rest = t.substr(sep + 3);
    const size_t slash = rest.find('/');
    if (slash == absl::string_view::npos) return std::nullopt;
    return HostPort(rest.substr(slash + 1));
  }
  return HostPort(t);
}

}  // namespace internal
}  // namespace traceprop
