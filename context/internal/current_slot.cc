// The one definition of the per-thread current-context slot (see
// traceprop/context/current.h). Kept out of headers so that a program has
// exactly one slot even when traceprop is linked into several libraries.

#include "traceprop/context/current.h"

namespace traceprop {
namespace internal {

__thread const TraceContext* current_slot
    __attribute__((tls_model("initial-exec"))) = nullptr;

const TraceContext kNoContext;

}  // namespace internal
}  // namespace traceprop
