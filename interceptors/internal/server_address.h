// Private: the server.address / server.port of a channel's CLIENT spans,
// parsed from the target the channel was created with (OpenTelemetry RPC
// semantic conventions: the logical server name the client dialled, not the
// resolved peer, which is network.peer.*).

#ifndef TRACEPROP_INTERCEPTORS_INTERNAL_SERVER_ADDRESS_H_
#define TRACEPROP_INTERCEPTORS_INTERNAL_SERVER_ADDRESS_H_

#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace traceprop {
namespace internal {

// ServerAddress is what a CLIENT span records as server.address and (when
// known, port >= 0) server.port.
struct ServerAddress {
  std::string address;
  int port = -1;  // -1: no port in the target (unix sockets, defaults)
  // The target is "inproc", gRPC's in-process channel (InProcessChannel):
  // its calls have no network peer, so none is asked for.
  bool in_process = false;
};

// ParseServerAddress reads a gRPC channel target:
//   "host:port", "[::1]:port", "host"          -> host (port when given)
//   "ipv4:1.2.3.4:80[,...]", "ipv6:[::1]:80"   -> the first address
//   "dns:///host:port", "dns://auth/host:port" -> host, port
//   "<scheme>://<authority>/host:port"         -> host, port (xds:, ...)
//   "unix:/path", "unix:///path", "unix-abstract:name" -> the path, no port
//   "inproc" (gRPC's in-process channel)     -> "inproc", in_process
// A bare IPv6 address without brackets is an address without a port.
// Malformed targets (empty, empty host, a port that is not 0..65535, an
// unterminated '[', control characters) give nullopt: the attributes are
// omitted. Never crashes; pure function, thread-safe.
std::optional<ServerAddress> ParseServerAddress(absl::string_view target);

}  // namespace internal
}  // namespace traceprop

#endif  // TRACEPROP_INTERCEPTORS_INTERNAL_SERVER_ADDRESS_H_
