#include "traceprop/spans/span_data.h"

#include "absl/strings/numbers.h"
#include "absl/strings/strip.h"

namespace traceprop {
namespace {

using Visit =
    absl::FunctionRef<void(absl::string_view key, AttributeValueView value)>;

AttributeValueView View(const AttributeValue& v) {
  if (const auto* s = std::get_if<std::string>(&v))
    return absl::string_view(*s);
  if (const auto* i = std::get_if<int64_t>(&v)) return *i;
  if (const auto* b = std::get_if<bool>(&v)) return *b;
  return std::get<double>(v);
}

}  // namespace

bool RpcAttributes::ParsePeer(PeerAddress& out) const {
  absl::string_view p = peer;
  if (absl::ConsumePrefix(&p, "unix:")) {
    out.address = p;
    out.unix_socket = true;
    return true;
  }
  if (!absl::ConsumePrefix(&p, "ipv4:") && !absl::ConsumePrefix(&p, "ipv6:"))
    return false;
  const size_t colon = p.rfind(':');
  if (colon == absl::string_view::npos) return false;
  absl::string_view host = p.substr(0, colon);
  int port;
  if (!absl::SimpleAtoi(p.substr(colon + 1), &port) || port < 0 || port > 65535)
    return false;
  absl::ConsumePrefix(&host, "[");
  absl::ConsumeSuffix(&host, "]");
  out.address = host;
  out.port = port;
  return true;
}

void SpanData::ForEachAttribute(Visit f) const {
  ForEachRpcAttribute([&](absl::string_view key, auto value) {
    f(key, AttributeValueView(value));
  });
  ForEachOtherAttribute(f);
}

void SpanData::ForEachOtherAttribute(Visit f) const {
  if (attributes.empty()) return;
  // The keys ForEachRpcAttribute gives, so that `attributes` cannot repeat
  // them.
  absl::string_view given[RpcAttributes::kMaxAttributes];
  size_t n = 0;
  ForEachRpcAttribute([&](absl::string_view key, auto) { given[n++] = key; });
  for (const Attribute& a : attributes) {
    bool repeated = false;
    for (size_t i = 0; i < n && !repeated; ++i) repeated = given[i] == a.key;
    if (!repeated) f(a.key, View(a.value));
  }
}

std::optional<AttributeValue> SpanData::FindAttribute(
    absl::string_view key) const {
  std::optional<AttributeValue> found;
  ForEachAttribute([&](absl::string_view k, AttributeValueView v) {
    if (found || k != key) return;
    std::visit(
        [&](auto x) {
          if constexpr (std::is_same_v<decltype(x), absl::string_view>) {
            found.emplace(std::string(x));
          } else {
            found.emplace(x);
          }
        },
        v);
  });
  return found;
}

void ForEachAttribute(const std::vector<Attribute>& attributes, Visit f) {
  for (const Attribute& a : attributes) f(a.key, View(a.value));
}

}  // namespace traceprop
