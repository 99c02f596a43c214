#include "traceprop/logging/spdlog_setup.h"

#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "spdlog/async.h"
#include "spdlog/sinks/ostream_sink.h"
#include "spdlog/spdlog.h"
#include "traceprop/context/current.h"
#include "traceprop/tests/testing/json_checker.h"
#include "traceprop/tests/testing/threads.h"

namespace traceprop {
namespace logging {
namespace {

using ::testing::EndsWith;
using ::testing::HasSubstr;
using ::testing::Not;
using testing_support::BracketedIds;

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  for (absl::string_view l : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
    out.emplace_back(l);
  }
  return out;
}

// Each test creates its loggers through spdlog's factory (so they are
// registered and receive the global formatter) and restores spdlog's
// default formatter afterwards.
class SpdlogSetupTest : public ::testing::Test {
 protected:
  std::shared_ptr<spdlog::logger> MakeLogger(const std::string& name) {
    auto logger =
        spdlog::create<spdlog::sinks::ostream_sink_mt>(name, std::ref(out_));
    names_.push_back(name);
    return logger;
  }
  // LogFromOwnTraces installs `opts` and has `threads` threads, each under
  // its own new trace, log `lines` lines each through one new logger, with
  // log(logger, i, k) for thread i's line k. Returns the contexts (element
  // i is thread i's); *written gets the lines, all of them or the test
  // fails.
  std::vector<TraceContext> LogFromOwnTraces(
      const SpdlogOptions& opts, int threads, int lines,
      const std::function<void(spdlog::logger&, int i, int k)>& log,
      std::vector<std::string>* written) {
    EXPECT_TRUE(InstallSpdlog(opts).ok());
    auto logger = MakeLogger("threads");
    std::vector<TraceContext> contexts =
        testing_support::RunUnderOwnTraces(threads, [&](int i) {
          for (int k = 0; k < lines; ++k) log(*logger, i, k);
        });
    *written = Lines(out_.str());
    EXPECT_EQ(written->size(), static_cast<size_t>(threads * lines));
    return contexts;
  }
  void TearDown() override {
    for (const std::string& n : names_) spdlog::drop(n);
    // spdlog's own formatter again. After InstallSpdlog that is the
    // mistake traceprop reports on stderr; kept out of the test's output.
    testing::internal::CaptureStderr();
    spdlog::set_formatter(std::make_unique<spdlog::pattern_formatter>());
    testing::internal::GetCapturedStderr();
  }
  std::ostringstream out_;
  std::vector<std::string> names_;
};

TEST_F(SpdlogSetupTest, LoggerCreatedLaterCarriesIds) {
  SpdlogOptions opts;
  opts.spdlog_pattern = "%n %& %v";
  ASSERT_TRUE(InstallSpdlog(opts).ok());
  auto logger = MakeLogger("later");
  const TraceContext ctx = TraceContext::NewRoot();
  {
    ContextScope scope(ctx);
    logger->info("hello {}", 1);
  }
  logger->info("outside");
  EXPECT_EQ(out_.str(), absl::StrCat("later ", BracketedIds(ctx),
                                     " hello 1\nlater [-] [-] outside\n"));
}

TEST_F(SpdlogSetupTest, LoggerThatExistedBeforeInstallCarriesIds) {
  auto logger = MakeLogger("earlier");
  SpdlogOptions opts;
  opts.spdlog_pattern = "%v %&";
  ASSERT_TRUE(InstallSpdlog(opts).ok());
  const TraceContext ctx = TraceContext::NewRoot();
  ContextScope scope(ctx);
  logger->warn("x");
  EXPECT_EQ(out_.str(), absl::StrCat("x ", BracketedIds(ctx), "\n"));
}

TEST_F(SpdlogSetupTest, DefaultLoggerCarriesIds) {
  ASSERT_TRUE(InstallSpdlog().ok());  // the default pattern
  const TraceContext ctx = TraceContext::NewRoot();
  ::testing::internal::CaptureStdout();
  {
    ContextScope scope(ctx);
    spdlog::info("from the default logger");
  }
  spdlog::info("no trace");
  spdlog::default_logger()->flush();
  const std::vector<std::string> lines =
      Lines(::testing::internal::GetCapturedStdout());
  ASSERT_EQ(lines.size(), 2u);
  // "[2026-11-27 09:13:08.123] [info] [<trace>] [<span>] message": like
  // spdlog's own default line, no "[] " for the unnamed default logger.
  EXPECT_THAT(lines[0], HasSubstr(absl::StrCat("] [info] ", BracketedIds(ctx),
                                               " from the default logger")));
  EXPECT_THAT(lines[0], Not(HasSubstr("[]")));
  EXPECT_THAT(lines[1], EndsWith("] [info] [-] [-] no trace"));
  EXPECT_THAT(lines[1], Not(HasSubstr("[]")));
}

TEST_F(SpdlogSetupTest, NamedLoggerKeepsItsNameInTheDefaultPattern) {
  ASSERT_TRUE(InstallSpdlog().ok());
  auto logger = MakeLogger("orders");
  logger->info("m");
  EXPECT_THAT(out_.str(), HasSubstr("] [orders] [info] [-] [-] m\n"));
}

TEST_F(SpdlogSetupTest, SpdlogSetPatternDropsTheIdsAndSaysSo) {
  ASSERT_TRUE(InstallSpdlog().ok());
  auto logger = MakeLogger("plain");
  const TraceContext ctx = TraceContext::NewRoot();
  ContextScope scope(ctx);
  testing::internal::CaptureStderr();
  spdlog::set_pattern("%l %& %v");  // spdlog's own: no trace flag
  const std::string said = testing::internal::GetCapturedStderr();
  logger->info("a");
  EXPECT_EQ(out_.str(), "info %& a\n");  // the trap SetPattern avoids
  EXPECT_THAT(said, HasSubstr("spdlog::set_pattern"));
  EXPECT_THAT(said, HasSubstr("no longer carry trace ids"));
  EXPECT_THAT(said, HasSubstr("traceprop::logging::SetPattern("));
}

TEST_F(SpdlogSetupTest, TracepropsOwnReplacementsSayNothing) {
  testing::internal::CaptureStderr();
  ASSERT_TRUE(InstallSpdlog().ok());
  ASSERT_TRUE(InstallSpdlog().ok());          // replaces its own
  ASSERT_TRUE(SetPattern("%l %& %v").ok());   // replaces through InstallSpdlog
  spdlog::set_formatter(*MakeSpdlogFormatter());  // a traceprop formatter
  EXPECT_EQ(testing::internal::GetCapturedStderr(), "");
  auto logger = MakeLogger("kept");
  const TraceContext ctx = TraceContext::NewRoot();
  ContextScope scope(ctx);
  logger->info("a");
  EXPECT_THAT(out_.str(), HasSubstr(BracketedIds(ctx)));
}

TEST_F(SpdlogSetupTest, SetPatternKeepsTheIdsOnEveryLogger) {
  SpdlogOptions opts;
  opts.absent = "none";
  ASSERT_TRUE(InstallSpdlog(opts).ok());
  auto logger = MakeLogger("kept");
  ASSERT_TRUE(SetPattern("%l %& %v").ok());
  auto later = MakeLogger("later");
  const TraceContext ctx = TraceContext::NewRoot();
  {
    ContextScope scope(ctx);
    logger->info("a");
    later->info("b");
  }
  logger->info("c");  // the options of InstallSpdlog (absent text) stay
  EXPECT_EQ(out_.str(), absl::StrCat("info ", BracketedIds(ctx), " a\n", "info ",
                                     BracketedIds(ctx), " b\n",
                                     "info [none] [none] c\n"));
}

TEST_F(SpdlogSetupTest, SetPatternOnOneLogger) {
  ASSERT_TRUE(InstallSpdlog().ok());
  auto logger = MakeLogger("one");
  auto other = MakeLogger("other");
  ASSERT_TRUE(SetPattern(*logger, "%& %v").ok());
  logger->info("a");
  EXPECT_EQ(out_.str(), "[-] [-] a\n");
  out_.str("");
  other->info("b");
  EXPECT_THAT(out_.str(), HasSubstr("] [other] [info] [-] [-] b"));
}

TEST_F(SpdlogSetupTest, SetPatternWithoutTheFlagIsRefused) {
  ASSERT_TRUE(InstallSpdlog().ok());
  auto logger = MakeLogger("refused");
  absl::Status status = SetPattern("%l %v");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(SetPattern(*logger, "%v").code(),
            absl::StatusCode::kInvalidArgument);
  logger->info("m");  // unchanged: still the default pattern
  EXPECT_THAT(out_.str(), HasSubstr("] [refused] [info] [-] [-] m"));
}

TEST_F(SpdlogSetupTest, CustomFieldsPatternFlagAndAbsentText) {
  SpdlogOptions opts;
  opts.fields_pattern = "trace_id={trace_id} flags={trace_flags}";
  opts.absent = "none";
  opts.flag = '*';
  opts.spdlog_pattern = "%l %* | %v";
  ASSERT_TRUE(InstallSpdlog(opts).ok());
  auto logger = MakeLogger("custom");
  const TraceContext ctx = TraceContext::NewRoot(/*sampled=*/false);
  {
    ContextScope scope(ctx);
    logger->error("boom");
  }
  logger->error("calm");
  EXPECT_EQ(out_.str(),
            absl::StrCat("error trace_id=", ctx.trace_id().ToHex(),
                         " flags=02 | boom\n",
                         "error trace_id=none flags=none | calm\n"));
}

TEST_F(SpdlogSetupTest, FlagWithPaddingIsRecognised) {
  SpdlogOptions opts;
  opts.spdlog_pattern = "%-60& %v";
  ASSERT_TRUE(InstallSpdlog(opts).ok());
  auto logger = MakeLogger("padded");
  logger->info("m");
  EXPECT_THAT(out_.str(), HasSubstr("[-] [-]"));
}

TEST_F(SpdlogSetupTest, RejectsBadOptionsAndChangesNothing) {
  SpdlogOptions good;
  good.spdlog_pattern = "%& %v";
  ASSERT_TRUE(InstallSpdlog(good).ok());
  auto logger = MakeLogger("unchanged");

  SpdlogOptions no_flag;
  no_flag.spdlog_pattern = "%v %%&";  // %% is a literal percent sign
  absl::Status s = InstallSpdlog(no_flag);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()), HasSubstr("does not use %&"));

  SpdlogOptions bad_fields;
  bad_fields.fields_pattern = "{nope}";
  EXPECT_EQ(InstallSpdlog(bad_fields).code(),
            absl::StatusCode::kInvalidArgument);

  logger->info("still");
  EXPECT_EQ(out_.str(), "[-] [-] still\n");
}

TEST_F(SpdlogSetupTest, ManyThreadsEachUnderItsOwnTrace) {
  SpdlogOptions opts;
  opts.fields_pattern = "{trace_id} {span_id}";
  opts.spdlog_pattern = "%& %v";
  constexpr int kThreads = 6;
  constexpr int kLines = 200;
  std::vector<std::string> lines;
  const std::vector<TraceContext> contexts = LogFromOwnTraces(
      opts, kThreads, kLines,
      [](spdlog::logger& logger, int i, int k) {
        logger.info("thread {} line {}", i, k);
      },
      &lines);
  std::vector<int> per_thread(kThreads, 0);
  for (const std::string& line : lines) {
    std::vector<std::string> parts = absl::StrSplit(line, ' ');
    ASSERT_EQ(parts.size(), 6u) << line;
    int i = -1;
    ASSERT_TRUE(absl::SimpleAtoi(parts[3], &i)) << line;
    ASSERT_GE(i, 0);
    ASSERT_LT(i, kThreads);
    EXPECT_EQ(parts[0], contexts[i].trace_id().ToHex()) << line;
    EXPECT_EQ(parts[1], contexts[i].span_id().ToHex()) << line;
    ++per_thread[i];
  }
  for (int i = 0; i < kThreads; ++i) EXPECT_EQ(per_thread[i], kLines);
}

TEST_F(SpdlogSetupTest, JsonLinesParseAndCarryTheFields) {
  SpdlogOptions opts;
  opts.format = SpdlogOptions::Format::kJson;
  ASSERT_TRUE(InstallSpdlog(opts).ok());
  auto logger = MakeLogger("json-app");
  const TraceContext parent = TraceContext::NewRoot();
  const TraceContext ctx = parent.Child();
  {
    ContextScope scope(ctx);
    logger->warn("say \"{}\"\n\tnext \\ line \x01", "hi");
  }
  logger->critical("no trace");
  const std::vector<std::string> lines = Lines(out_.str());
  ASSERT_EQ(lines.size(), 2u) << out_.str();

  auto first = testing_json::ParseJsonObject(lines[0]);
  ASSERT_TRUE(first.has_value()) << lines[0];
  EXPECT_EQ((*first)["body"], "say \"hi\"\n\tnext \\ line \x01");
  EXPECT_EQ((*first)["severity_text"], "WARN");
  EXPECT_EQ((*first)["severity_number"], "13");
  EXPECT_EQ((*first)["logger"], "json-app");
  EXPECT_EQ((*first)["trace_id"], ctx.trace_id().ToHex());
  EXPECT_EQ((*first)["span_id"], ctx.span_id().ToHex());
  EXPECT_EQ((*first)["trace_flags"], "03");  // sampled + random
  EXPECT_EQ((*first)["parent_span_id"], parent.span_id().ToHex());
  EXPECT_THAT((*first)["timestamp"], EndsWith("Z"));
  EXPECT_EQ((*first)["timestamp"].size(),
            30u);  // YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ

  auto second = testing_json::ParseJsonObject(lines[1]);
  ASSERT_TRUE(second.has_value()) << lines[1];
  EXPECT_EQ((*second)["severity_text"], "FATAL");
  EXPECT_EQ((*second)["severity_number"], "21");
  EXPECT_EQ(second->count("trace_id"), 0u);
  EXPECT_EQ(second->count("span_id"), 0u);
}

TEST_F(SpdlogSetupTest, JsonFromManyThreads) {
  SpdlogOptions opts;
  opts.format = SpdlogOptions::Format::kJson;
  std::vector<std::string> lines;
  const std::vector<TraceContext> contexts = LogFromOwnTraces(
      opts, /*threads=*/4, /*lines=*/100,
      [](spdlog::logger& logger, int i, int) { logger.info("{}", i); },
      &lines);
  for (const std::string& line : lines) {
    auto obj = testing_json::ParseJsonObject(line);
    ASSERT_TRUE(obj.has_value()) << line;
    int i = -1;
    ASSERT_TRUE(absl::SimpleAtoi((*obj)["body"], &i));
    ASSERT_GE(i, 0);
    ASSERT_LT(i, static_cast<int>(contexts.size()));
    EXPECT_EQ((*obj)["trace_id"], contexts[i].trace_id().ToHex());
    EXPECT_EQ((*obj)["span_id"], contexts[i].span_id().ToHex());
  }
}

// A sink that formats one message and hands the line to a promise, so a
// test can wait for spdlog's async worker without sleeping.
class PromiseSink : public spdlog::sinks::base_sink<std::mutex> {
 public:
  std::future<std::string> line() { return promise_.get_future(); }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    spdlog::memory_buf_t buf;
    formatter_->format(msg, buf);
    promise_.set_value(std::string(buf.data(), buf.size()));
  }
  void flush_() override {}

 private:
  std::promise<std::string> promise_;
};

TEST_F(SpdlogSetupTest, AsyncLoggerShowsNoIdsRatherThanWrongOnes) {
  // Documented limit: an async logger formats on spdlog's worker thread,
  // which has no trace context. The line must say "-", never carry ids.
  SpdlogOptions opts;
  opts.spdlog_pattern = "%& %v";
  ASSERT_TRUE(InstallSpdlog(opts).ok());
  auto sink = std::make_shared<PromiseSink>();
  std::future<std::string> line = sink->line();
  auto pool = std::make_shared<spdlog::details::thread_pool>(64, 1);
  auto logger = std::make_shared<spdlog::async_logger>("async", sink, pool);
  spdlog::initialize_logger(logger);  // applies the global formatter
  names_.push_back("async");
  {
    ContextScope scope(TraceContext::NewRoot());
    logger->info("queued");  // exactly one message: the promise is set once
  }
  const std::string text = line.get();
  // Join the worker first (destroying the pool joins it): right after
  // setting the promise it may still hold the sink's mutex and its
  // reference to the logger, released inside the uninstrumented libspdlog.
  pool.reset();
  spdlog::drop("async");
  logger.reset();
  EXPECT_EQ(text, "[-] [-] queued\n");
}

TEST_F(SpdlogSetupTest, MakeSpdlogFormatterForAHandMadeLogger) {
  // A logger built by hand is not touched by the registry: give it the
  // formatter directly.
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out_);
  spdlog::logger logger("manual", sink);
  SpdlogOptions opts;
  opts.spdlog_pattern = "%n %&: %v";
  absl::StatusOr<std::unique_ptr<spdlog::formatter>> f =
      MakeSpdlogFormatter(opts);
  ASSERT_TRUE(f.ok()) << f.status();
  logger.set_formatter(*std::move(f));
  const TraceContext ctx = TraceContext::NewRoot();
  ContextScope scope(ctx);
  logger.info("m");
  EXPECT_EQ(out_.str(), absl::StrCat("manual ", BracketedIds(ctx), ": m\n"));
}

TEST_F(SpdlogSetupTest, TraceFieldsFlagInAUsersOwnPatternFormatter) {
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out_);
  spdlog::logger logger("own", sink);
  auto formatter = std::make_unique<spdlog::pattern_formatter>();
  formatter->add_flag<TraceFieldsFlag>('T').set_pattern("%T %v");
  logger.set_formatter(std::move(formatter));
  const TraceContext ctx = TraceContext::NewRoot();
  ContextScope scope(ctx);
  logger.info("m");
  EXPECT_EQ(out_.str(), absl::StrCat(BracketedIds(ctx), " m\n"));
}

}  // namespace
}  // namespace logging
}  // namespace traceprop
