#include "traceprop/logging/grpc_log_hook.h"

#include <grpc/support/log.h>
#include <grpcpp/grpcpp.h>

#include <functional>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "traceprop/context/current.h"
#include "traceprop/tests/testing/threads.h"

#ifdef TRACEPROP_TEST_WITH_SPDLOG
#include "spdlog/sinks/ostream_sink.h"
#include "spdlog/spdlog.h"
#include "traceprop/logging/grpc_to_spdlog.h"
#include "traceprop/logging/spdlog_setup.h"
#endif

namespace traceprop {
namespace logging {
namespace {

using ::testing::EndsWith;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using testing_support::BracketedIds;

// What the sink saw, copied out of the call.
struct Seen {
  std::string file;
  int line;
  GrpcLogSeverity severity;
  std::string message;
  std::string fields;
  std::string current_trace_id;  // LogFields::Current() inside the sink
};

class GrpcLogHookTest : public ::testing::Test {
 protected:
  void InstallCollector(
      std::string pattern = std::string(LogPattern::kDefaultPattern)) {
    GrpcLogHookOptions opts;
    opts.fields_pattern = std::move(pattern);
    opts.sink = [this](const GrpcLogRecord& r) {
      std::lock_guard<std::mutex> lock(mu_);
      seen_.push_back({std::string(r.file), r.line, r.severity,
                       std::string(r.message), std::string(r.fields),
                       std::string(LogFields::Current().trace_id())});
    };
    ASSERT_TRUE(InstallGrpcLogHook(std::move(opts)).ok());
  }
  std::vector<Seen> TakeSeen() {
    std::lock_guard<std::mutex> lock(mu_);
    return std::move(seen_);
  }
  void TearDown() override {
    // Stop capturing into this (soon destroyed) fixture.
    GrpcLogHookOptions quiet;
    quiet.sink = [](const GrpcLogRecord&) {};
    ASSERT_TRUE(InstallGrpcLogHook(std::move(quiet)).ok());
  }

  std::mutex mu_;
  std::vector<Seen> seen_;
};

TEST_F(GrpcLogHookTest, GprLogUnderAScopeCarriesItsIds) {
  InstallCollector();
  const TraceContext ctx = TraceContext::NewRoot();
  {
    ContextScope scope(ctx);
    gpr_log(GPR_ERROR, "inside %d", 7);
  }
  gpr_log(GPR_ERROR, "outside");
  const std::vector<Seen> seen = TakeSeen();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].message, "inside 7");
  EXPECT_EQ(seen[0].fields, BracketedIds(ctx));
  EXPECT_EQ(seen[0].current_trace_id, ctx.trace_id().ToHex());
  EXPECT_EQ(seen[0].severity, GrpcLogSeverity::kError);
  EXPECT_THAT(seen[0].file, EndsWith("grpc_log_hook_test.cc"));
  EXPECT_GT(seen[0].line, 0);
  EXPECT_EQ(seen[1].message, "outside");
  EXPECT_EQ(seen[1].fields, "[-] [-]");
}

TEST_F(GrpcLogHookTest, ManyThreadsEachUnderItsOwnTrace) {
  InstallCollector("{trace_id}/{span_id}");
  constexpr int kThreads = 5;
  constexpr int kLines = 100;
  const std::vector<TraceContext> contexts =
      testing_support::RunUnderOwnTraces(kThreads, [&](int i) {
        for (int k = 0; k < kLines; ++k) gpr_log(GPR_ERROR, "%d", i);
      });
  const std::vector<Seen> seen = TakeSeen();
  ASSERT_EQ(seen.size(), static_cast<size_t>(kThreads * kLines));
  for (const Seen& s : seen) {
    int i = -1;
    ASSERT_TRUE(absl::SimpleAtoi(s.message, &i)) << s.message;
    ASSERT_GE(i, 0);
    ASSERT_LT(i, kThreads);
    EXPECT_EQ(s.fields, absl::StrCat(contexts[i].trace_id().ToHex(), "/",
                                     contexts[i].span_id().ToHex()));
  }
}

TEST_F(GrpcLogHookTest, RealGrpcInternalLogOnTheCallersThread) {
  // gRPC 1.51's ServerBuilder::BuildAndStart logs "At least one of the
  // completion queues must be frequently polled" (GPR_ERROR) on the calling
  // thread and fails when the server has no service and no completion queue:
  // a deterministic internal message.
  InstallCollector();
  const TraceContext ctx = TraceContext::NewRoot();
  {
    ContextScope scope(ctx);
    grpc::ServerBuilder builder;
    std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
    EXPECT_EQ(server, nullptr);
  }
  const std::vector<Seen> seen = TakeSeen();
  bool found = false;
  for (const Seen& s : seen) {
    if (!absl::StrContains(s.message, "completion queues must be")) continue;
    found = true;
    EXPECT_EQ(s.fields, BracketedIds(ctx));
    EXPECT_THAT(s.file, EndsWith("server_builder.cc"));
    EXPECT_EQ(s.severity, GrpcLogSeverity::kError);
  }
  EXPECT_TRUE(found) << "gRPC did not log the expected internal message";
}

TEST_F(GrpcLogHookTest, DefaultSinkWritesOneStderrLineInGrpcLayout) {
  GrpcLogHookOptions opts;  // no sink: stderr
  ASSERT_TRUE(InstallGrpcLogHook(std::move(opts)).ok());
  const TraceContext ctx = TraceContext::NewRoot();
  ::testing::internal::CaptureStderr();
  {
    ContextScope scope(ctx);
    gpr_log(GPR_ERROR, "to stderr");
  }
  const std::string err = ::testing::internal::GetCapturedStderr();
  std::vector<std::string> lines = absl::StrSplit(err, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 1u) << err;
  // E1127 09:13:08.123456789    4242 grpc_log_hook_test.cc:123] [..] [..] to
  // stderr
  EXPECT_THAT(lines[0],
              MatchesRegex("E[0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{9} +"
                           "[0-9]+ grpc_log_hook_test\\.cc:[0-9]+\\] .*"));
  EXPECT_THAT(lines[0],
              EndsWith(absl::StrCat("] ", BracketedIds(ctx), " to stderr")));
}

TEST_F(GrpcLogHookTest, MinSeverityLetsDebugMessagesThrough) {
  GrpcLogHookOptions opts;
  opts.min_severity = GrpcLogSeverity::kDebug;
  opts.sink = [this](const GrpcLogRecord& r) {
    std::lock_guard<std::mutex> lock(mu_);
    seen_.push_back({std::string(r.file), r.line, r.severity,
                     std::string(r.message), std::string(r.fields), ""});
  };
  ASSERT_TRUE(InstallGrpcLogHook(std::move(opts)).ok());
  gpr_log(GPR_DEBUG, "debug line");
  gpr_set_log_verbosity(GPR_LOG_SEVERITY_ERROR);
  gpr_log(GPR_DEBUG, "filtered");
  const std::vector<Seen> seen = TakeSeen();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].message, "debug line");
  EXPECT_EQ(seen[0].severity, GrpcLogSeverity::kDebug);
}

TEST_F(GrpcLogHookTest, BadPatternIsRejectedAndTheOldHookStays) {
  InstallCollector();
  GrpcLogHookOptions bad;
  bad.fields_pattern = "{oops}";
  EXPECT_EQ(InstallGrpcLogHook(std::move(bad)).code(),
            absl::StatusCode::kInvalidArgument);
  gpr_log(GPR_ERROR, "still collected");
  const std::vector<Seen> seen = TakeSeen();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].message, "still collected");
}

#ifdef TRACEPROP_TEST_WITH_SPDLOG
// ThroughSpdlog installs spdlog with `pattern`, routes gRPC's log output
// into a logger `name` that writes to a string, runs `log`, stops the
// routing and returns what the logger wrote.
std::string ThroughSpdlog(const char* pattern, const char* name,
                          const std::function<void()>& log) {
  std::ostringstream out;
  SpdlogOptions sopts;
  sopts.spdlog_pattern = pattern;
  EXPECT_TRUE(InstallSpdlog(sopts).ok());
  auto logger =
      spdlog::create<spdlog::sinks::ostream_sink_mt>(name, std::ref(out));
  GrpcLogHookOptions opts;
  opts.sink = SpdlogGrpcLogSink(logger);
  EXPECT_TRUE(InstallGrpcLogHook(std::move(opts)).ok());
  log();
  // Stop routing into `out` before it goes away.
  GrpcLogHookOptions quiet;
  quiet.sink = [](const GrpcLogRecord&) {};
  EXPECT_TRUE(InstallGrpcLogHook(std::move(quiet)).ok());
  spdlog::drop(name);
  spdlog::set_formatter(std::make_unique<spdlog::pattern_formatter>());
  return out.str();
}

TEST_F(GrpcLogHookTest, RoutedIntoSpdlogWithTheTraceFlag) {
  const TraceContext ctx = TraceContext::NewRoot();
  const std::string out = ThroughSpdlog("%l %& %v", "grpc", [&] {
    ContextScope scope(ctx);
    gpr_log(GPR_ERROR, "format chars %s", "{} %v");
  });
  EXPECT_THAT(out, MatchesRegex(absl::StrCat(
                       "error \\[", ctx.trace_id().ToHex(), "\\] \\[",
                       ctx.span_id().ToHex(),
                       "\\] grpc_log_hook_test\\.cc:[0-9]+ format chars "
                       "\\{\\} %v\n")));
}

TEST_F(GrpcLogHookTest, RoutedIntoSpdlogWithTheSourceLocation) {
  int line = 0;
  // spdlog's own location flags, then ours.
  const std::string out = ThroughSpdlog("%s:%# %& %v", "grpc_loc", [&] {
    line = __LINE__ + 1;
    gpr_log(GPR_ERROR, "located");
  });
  EXPECT_EQ(out, absl::StrCat("grpc_log_hook_test.cc:", line,
                              " [-] [-] grpc_log_hook_test.cc:", line,
                              " located\n"));
}
#endif

}  // namespace
}  // namespace logging
}  // namespace traceprop
