// Built by scripts/test_install.sh with nothing but
// `pkg-config --cflags --libs traceprop`: the .pc files name every library
// and dependency needed to compile and link against the installed tree.
#include <iostream>

#include "traceprop/context/proto_conversion.h"
#include "traceprop/context/trace_context.h"
#include "traceprop/version.h"
#include "traceprop/interceptors/tracing.h"

int main() {
  auto incoming = traceprop::TraceContext::FromHeaders(
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  if (!incoming.ok()) {
    std::cout << "FAIL: " << incoming.status() << "\n";
    return 1;
  }
  traceprop::TraceContext child = incoming->Child();
  auto round_trip = traceprop::FromProto(traceprop::ToProto(child));
  auto factory = traceprop::MakeClientInterceptorFactory();
  bool ok = round_trip.ok() && round_trip->trace_id() == child.trace_id() &&
            round_trip->span_id() == child.span_id() &&
            child.trace_id().ToHex() == "4bf92f3577b34da6a3ce929d0e0e4736" &&
            child.parent_span_id().ToHex() == "00f067aa0ba902b7" &&
            factory != nullptr;
  std::cout << "traceprop " << traceprop::kVersionString
            << " via pkg-config: " << (ok ? "ok" : "FAIL") << "\n";
  return ok ? 0 : 1;
}
