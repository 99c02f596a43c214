#include "traceprop/spans/span_data.h"

#include "absl/strings/numbers.h"
#include "absl/strings/strip.h"

namespace traceprop {
namespace {

// Peer is network.peer.* from gRPC's peer URI.
struct Peer {
  absl::string_view address;
  int64_t port = -1;  // -1: none
  bool unix = false;  // network.transport "unix"
};

// ParsePeer reads "ipv4:1.2.3.4:80", "ipv6:[::1]:80" and "unix:/path";
// any other form (or a bad port) gives false.
bool ParsePeer(absl::string_view p, Peer& out) {
  if (absl::ConsumePrefix(&p, "unix:")) {
    out.address = p;
    out.unix = true;
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

void SpanData::ForEachAttribute(Visit f) const {
  // The keys given from `rpc`, so that `attributes` cannot repeat them.
  absl::string_view given[RpcAttributes::kMaxAttributes];
  size_t n = 0;
  auto emit = [&](absl::string_view key, AttributeValueView value) {
    given[n++] = key;
    f(key, value);
  };
  if (rpc.is_rpc) {
    emit("rpc.system", absl::string_view("grpc"));
    const size_t slash = name.rfind('/');
    if (slash != std::string::npos) {
      const absl::string_view full = name;
      emit("rpc.service", full.substr(0, slash));
      emit("rpc.method", full.substr(slash + 1));
    }
  }
  if (!rpc.server_address.empty()) {
    emit("server.address", absl::string_view(rpc.server_address));
    if (rpc.server_port >= 0)
      emit("server.port", static_cast<int64_t>(rpc.server_port));
  }
  Peer peer;
  if (!rpc.peer.empty() && ParsePeer(rpc.peer, peer)) {
    emit("network.peer.address", peer.address);
    if (peer.port >= 0) emit("network.peer.port", peer.port);
    if (peer.unix) emit("network.transport", absl::string_view("unix"));
  }
  if (rpc.grpc_status_code >= 0)
    emit("rpc.grpc.status_code", static_cast<int64_t>(rpc.grpc_status_code));
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
