#include "traceprop/logging/glog_prefix.h"

#include <glog/logging.h>

#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "traceprop/context/current.h"
#include "traceprop/tests/testing/threads.h"

namespace traceprop {
namespace logging {
namespace {

using ::testing::EndsWith;
using ::testing::MatchesRegex;

// glog can be initialised once per process: the suite does it once, with
// a custom pattern so the test also covers GlogOptions.
class GlogPrefixTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (init_status_ != nullptr) return;  // once per process (--gtest_repeat)
    FLAGS_logtostderr = true;
    FLAGS_log_year_in_prefix = true;
    GlogOptions opts;
    opts.fields_pattern = "trace={trace_id} span={span_id}";
    init_status_ = new absl::Status(
        InitGoogleLoggingWithTraceFields("glog_prefix_test", opts));
  }
  static absl::Status* init_status_;
};
absl::Status* GlogPrefixTest::init_status_ = nullptr;

std::vector<std::string> Lines(const std::string& text) {
  return absl::StrSplit(text, '\n', absl::SkipEmpty());
}

TEST_F(GlogPrefixTest, LineHasGlogPrefixThenIds) {
  ASSERT_TRUE(init_status_->ok()) << *init_status_;
  const TraceContext ctx = TraceContext::NewRoot();
  ::testing::internal::CaptureStderr();
  {
    ContextScope scope(ctx);
    LOG(INFO) << "inside";
  }
  LOG(WARNING) << "outside";
  const std::vector<std::string> lines =
      Lines(::testing::internal::GetCapturedStderr());
  ASSERT_EQ(lines.size(), 2u);
  // I20261127 09:13:08.123456  4242 glog_prefix_test.cc:52] trace=... span=...
  // inside
  EXPECT_THAT(lines[0],
              MatchesRegex("I[0-9]{8} [0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{6} +"
                           "[0-9]+ glog_prefix_test\\.cc:[0-9]+\\] .*"));
  EXPECT_THAT(lines[0], EndsWith(absl::StrCat(
                            "] trace=", ctx.trace_id().ToHex(),
                            " span=", ctx.span_id().ToHex(), " inside")));
  EXPECT_THAT(lines[1], MatchesRegex("W[0-9]{8} .*"));
  EXPECT_THAT(lines[1], EndsWith("] trace=- span=- outside"));
}

TEST_F(GlogPrefixTest, ManyThreadsEachUnderItsOwnTrace) {
  ASSERT_TRUE(init_status_->ok()) << *init_status_;
  constexpr int kThreads = 4;
  constexpr int kLines = 50;
  ::testing::internal::CaptureStderr();
  const std::vector<TraceContext> contexts =
      testing_support::RunUnderOwnTraces(kThreads, [&](int i) {
        for (int k = 0; k < kLines; ++k) LOG(INFO) << "thread " << i;
      });
  const std::vector<std::string> lines =
      Lines(::testing::internal::GetCapturedStderr());
  ASSERT_EQ(lines.size(), static_cast<size_t>(kThreads * kLines));
  for (const std::string& line : lines) {
    const size_t bracket = line.find("] ");
    ASSERT_NE(bracket, std::string::npos) << line;
    std::vector<std::string> parts =
        absl::StrSplit(line.substr(bracket + 2), ' ');
    ASSERT_EQ(parts.size(), 4u) << line;
    int i = -1;
    ASSERT_TRUE(absl::SimpleAtoi(parts[3], &i)) << line;
    ASSERT_GE(i, 0);
    ASSERT_LT(i, kThreads);
    EXPECT_EQ(parts[0], "trace=" + contexts[i].trace_id().ToHex()) << line;
    EXPECT_EQ(parts[1], "span=" + contexts[i].span_id().ToHex()) << line;
  }
}

TEST_F(GlogPrefixTest, SecondInitIsRefused) {
  ASSERT_TRUE(init_status_->ok()) << *init_status_;
  EXPECT_EQ(InitGoogleLoggingWithTraceFields("again").code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST_F(GlogPrefixTest, BadPatternIsRejectedBeforeInitialising) {
  GlogOptions bad;
  bad.fields_pattern = "{trace_id";
  EXPECT_EQ(InitGoogleLoggingWithTraceFields("bad", bad).code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace logging
}  // namespace traceprop
