// CqTag without a server: the context it installs, what it restores, and
// its bad inputs (a server context no traced call belongs to).

#include "traceprop/interceptors/cq_tag.h"

#include <grpcpp/grpcpp.h>

#include <memory>

#include "gtest/gtest.h"
#include "traceprop/context/current.h"

namespace traceprop {
namespace {

TEST(CqTagTest, RunsItsStepUnderItsContextAndRestoresTheThread) {
  const TraceContext caller = TraceContext::NewRoot();
  const TraceContext drainer = TraceContext::NewRoot();
  TraceContext seen;
  bool seen_ok = false;
  CqTag tag(caller, [&](bool ok) {
    seen = Current();
    seen_ok = ok;
  });
  ContextScope scope(drainer);  // whatever the draining thread carries
  CqTag::Run(tag.tag(), true);
  EXPECT_EQ(seen, caller);
  EXPECT_TRUE(seen_ok);
  EXPECT_EQ(Current(), drainer);
  CqTag::Run(tag.tag(), false);  // reusable
  EXPECT_FALSE(seen_ok);
  EXPECT_EQ(Current(), drainer);
}

TEST(CqTagTest, OneShotTagDeletesItself) {
  const TraceContext caller = TraceContext::NewRoot();
  int runs = 0;
  auto* tag = new CqTag(
      caller,
      [&, owned = std::make_unique<int>(7)](bool) {
        EXPECT_EQ(Current(), caller);
        runs += *owned;
      },
      /*delete_after_run=*/true);
  CqTag::Run(tag->tag(), true);  // LeakSanitizer checks the delete
  EXPECT_EQ(runs, 7);
  EXPECT_FALSE(Current().IsValid());
}

TEST(CqTagTest, UnknownServerContextRunsWithNoContext) {
  grpc::ServerContext never_called;  // no traced call belongs to it
  EXPECT_FALSE(ServerSpan(never_called).IsValid());
  EXPECT_FALSE(IncomingContext(never_called).IsValid());
  bool had_context = true;
  CqTag tag(&never_called, [&](bool) { had_context = Current().IsValid(); });
  ContextScope scope(TraceContext::NewRoot());
  CqTag::Run(tag.tag(), true);
  EXPECT_FALSE(had_context) << "hides the drainer's context, shows none";
  EXPECT_TRUE(Current().IsValid());
}

TEST(CqTagTest, InvalidContextHidesTheThreadsContext) {
  bool had_context = true;
  CqTag tag(TraceContext(), [&](bool) { had_context = Current().IsValid(); });
  ContextScope scope(TraceContext::NewRoot());
  CqTag::Run(tag.tag(), true);
  EXPECT_FALSE(had_context);
}

}  // namespace
}  // namespace traceprop
