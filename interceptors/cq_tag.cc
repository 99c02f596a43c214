#include "traceprop/interceptors/cq_tag.h"

#include "traceprop/interceptors/internal/tsan_annotations.h"

namespace traceprop {

void* CqTag::tag() {
  internal::TsanRelease(this);
  return this;
}

void CqTag::Run(bool ok) {
  // ThreadSanitizer: gRPC handed the tag back (see tag()), and for a server
  // call the server interceptor's hooks happened before (tracing.cc). No-ops
  // without TSan.
  internal::TsanAcquire(this);
  if (server_ctx_ != nullptr) internal::TsanAcquire(server_ctx_);
  const bool delete_after_run = delete_after_run_;
  {
    ContextScope scope(server_ctx_ != nullptr ? ServerSpan(*server_ctx_)
                                              : context_);
    step_(ok);
  }
  if (delete_after_run) delete this;
}

}  // namespace traceprop
