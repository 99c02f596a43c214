// The one definition of the per-thread current-context slot (see
// traceprop/context/current.h). Kept out of headers so that a program has
// exactly one slot even when traceprop is linked into several libraries.

#include <cstdio>
#include <cstdlib>

#include "traceprop/context/current.h"

namespace traceprop {
namespace internal {

__thread const TraceContext* current_slot
    __attribute__((tls_model("initial-exec"))) = nullptr;

const TraceContext kNoContext;

void ScopeMisuse(const char* scope, const char* problem) {
  std::fprintf(stderr, "traceprop: %s %s\n", scope, problem);
  std::fflush(stderr);
  std::abort();
}

}  // namespace internal
}  // namespace traceprop
