#include "traceprop/logging/log_fields.h"

#include <array>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "traceprop/context/current.h"
#include "traceprop/tests/testing/json_checker.h"
#include "traceprop/tests/testing/threads.h"

namespace traceprop {
namespace logging {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

constexpr absl::string_view kTraceHex = "4bf92f3577b34da6a3ce929d0e0e4736";
constexpr absl::string_view kSpanHex = "00f067aa0ba902b7";
constexpr absl::string_view kParentHex = "53995c3f42cd8ad8";

TraceContext Known(uint8_t flags = 0x01, bool with_parent = true) {
  return TraceContext(*TraceId::FromHex(kTraceHex), *SpanId::FromHex(kSpanHex),
                      TraceFlags(flags), TraceState(),
                      with_parent ? *SpanId::FromHex(kParentHex) : SpanId());
}

TEST(LogFieldsTest, CapturesHexOfAValidContext) {
  const LogFields f(Known());
  ASSERT_TRUE(f.has_trace());
  EXPECT_EQ(f.trace_id(), kTraceHex);
  EXPECT_EQ(f.span_id(), kSpanHex);
  EXPECT_EQ(f.trace_flags(), "01");
  ASSERT_TRUE(f.has_parent_span_id());
  EXPECT_EQ(f.parent_span_id(), kParentHex);
}

TEST(LogFieldsTest, HexMatchesTheIdsOwnEncodingForEveryByteValue) {
  // The log path has its own (vectorised) hex encoder; it must agree with
  // ToHex() for every byte value in every position.
  for (int start = 0; start < 256; ++start) {
    std::array<uint8_t, 16> t;
    std::array<uint8_t, 8> s;
    for (int i = 0; i < 16; ++i) t[i] = static_cast<uint8_t>(start + 17 * i);
    for (int i = 0; i < 8; ++i) s[i] = static_cast<uint8_t>(start + 31 * i + 1);
    const TraceContext ctx(TraceId(t), SpanId(s), TraceFlags(0x01),
                           TraceState(), SpanId(s));
    ASSERT_TRUE(ctx.IsValid());
    const LogFields f(ctx);
    ASSERT_EQ(f.trace_id(), ctx.trace_id().ToHex());
    ASSERT_EQ(f.span_id(), ctx.span_id().ToHex());
    ASSERT_EQ(f.parent_span_id(), ctx.span_id().ToHex());
    ASSERT_EQ(LogPattern::Default().Format(ctx),
              absl::StrCat("[", ctx.trace_id().ToHex(), "] [",
                           ctx.span_id().ToHex(), "]"));
  }
}

TEST(LogFieldsTest, InvalidContextHasNothing) {
  const LogFields f{TraceContext()};
  EXPECT_FALSE(f.has_trace());
  EXPECT_FALSE(f.has_parent_span_id());
  EXPECT_EQ(f.trace_id(), "");
  EXPECT_EQ(f.span_id(), "");
  EXPECT_EQ(f.trace_flags(), "");
  EXPECT_EQ(f.parent_span_id(), "");
}

TEST(LogFieldsTest, CurrentFollowsTheScope) {
  EXPECT_FALSE(LogFields::Current().has_trace());
  {
    ContextScope scope(Known());
    EXPECT_EQ(LogFields::Current().trace_id(), kTraceHex);
  }
  EXPECT_FALSE(LogFields::Current().has_trace());
}

TEST(LogFieldsTest, FlagsAreTwoLowercaseHexOfTheWholeByte) {
  EXPECT_EQ(LogFields(Known(0x00)).trace_flags(), "00");
  EXPECT_EQ(LogFields(Known(0x03)).trace_flags(), "03");
  EXPECT_EQ(LogFields(Known(0xab)).trace_flags(), "ab");
}

TEST(LogPatternTest, DefaultPatternWithAndWithoutContext) {
  EXPECT_EQ(LogPattern::Default().pattern(), "[{trace_id}] [{span_id}]");
  EXPECT_EQ(LogPattern::Default().Format(Known()),
            absl::StrCat("[", kTraceHex, "] [", kSpanHex, "]"));
  EXPECT_EQ(LogPattern::Default().Format(TraceContext()), "[-] [-]");
}

TEST(LogPatternTest, AllFieldsAndLiteralBraces) {
  absl::StatusOr<LogPattern> p = LogPattern::Parse(
      "{{t={trace_id} s={span_id} f={trace_flags} p={parent_span_id} "
      "tp={traceparent}}}");
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(
      p->Format(Known(0x01)),
      absl::StrCat("{t=", kTraceHex, " s=", kSpanHex, " f=01 p=", kParentHex,
                   " tp=00-", kTraceHex, "-", kSpanHex, "-01}"));
  EXPECT_EQ(p->Format(TraceContext()), "{t=- s=- f=- p=- tp=-}");
}

TEST(LogPatternTest, ParentAbsentWhileTraceIsPresent) {
  absl::StatusOr<LogPattern> p =
      LogPattern::Parse("{span_id}<-{parent_span_id}", "none");
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->Format(Known(0x01, /*with_parent=*/false)),
            absl::StrCat(kSpanHex, "<-none"));
  EXPECT_EQ(p->Format(TraceContext()), "none<-none");
}

TEST(LogPatternTest, CustomAbsentTextAndEmptyPattern) {
  absl::StatusOr<LogPattern> p = LogPattern::Parse("trace={trace_id}", "");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->Format(TraceContext()), "trace=");
  absl::StatusOr<LogPattern> empty = LogPattern::Parse("");
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->Format(Known()), "");
  EXPECT_EQ(empty->max_size(), 0u);
}

TEST(LogPatternTest, RejectsBadPatternsWithAReason) {
  struct Case {
    std::string pattern;
    std::string absent;
    std::string reason;
  };
  const std::vector<Case> cases = {
      {"{trace}", "-", "unknown field"},
      {"{trace_id", "-", "unterminated"},
      {"id}", "-", "no matching"},
      {"{}", "-", "unknown field"},
      {"{Trace_Id}", "-", "unknown field"},
      {"a\nb {trace_id}", "-", "control"},
      {"{trace_id}", "\r\n", "control"},
      {"{trace_id}", std::string(LogPattern::kMaxPatternSize + 1, 'x'),
       "at most"},
      {std::string(LogPattern::kMaxPatternSize + 1, 'x'), "-", "at most"},
      // 20 fields of 55 characters: more than kMaxFormattedSize.
      {[] {
         std::string s;
         for (int i = 0; i < 20; ++i) s += "{traceparent}";
         return s;
       }(),
       "-", "limit"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<LogPattern> p = LogPattern::Parse(c.pattern, c.absent);
    ASSERT_FALSE(p.ok()) << c.pattern;
    EXPECT_EQ(p.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(p.status().message()), HasSubstr(c.reason))
        << c.pattern;
  }
}

TEST(LogPatternTest, NeverWritesTracestateOrOtherHeaderText) {
  // Log injection: a peer controls tracestate; none of it reaches the line.
  absl::StatusOr<TraceContext> remote = TraceContext::FromHeaders(
      absl::StrCat("00-", kTraceHex, "-", kSpanHex, "-01"), {"evil=attack]x"});
  ASSERT_TRUE(remote.ok());
  ASSERT_FALSE(remote->trace_state().empty());
  absl::StatusOr<LogPattern> p = LogPattern::Parse(
      "{trace_id} {span_id} {trace_flags} {parent_span_id} {traceparent}");
  ASSERT_TRUE(p.ok());
  const std::string line = p->Format(*remote);
  EXPECT_THAT(line, Not(HasSubstr("evil")));
  EXPECT_THAT(line, Not(HasSubstr("attack")));
  for (char c : line) {
    EXPECT_TRUE((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || c == ' ' ||
                c == '-')
        << "unexpected character " << c << " in " << line;
  }
}

TEST(LogPatternTest, FormatToStaysWithinMaxSize) {
  absl::StatusOr<LogPattern> p =
      LogPattern::Parse("<{traceparent}|{parent_span_id}>", "absent-value");
  ASSERT_TRUE(p.ok());
  for (const TraceContext& c :
       {Known(), Known(0, false), TraceContext(), TraceContext::NewRoot()}) {
    std::string buf(p->max_size() + 8, '#');
    const size_t n = p->FormatTo(c, buf.data());
    EXPECT_LE(n, p->max_size());
    EXPECT_EQ(buf.substr(p->max_size()), "########");
    EXPECT_EQ(buf.substr(0, n), p->Format(c));
  }
}

TEST(LogPatternTest, AppendToKeepsExistingContent) {
  std::string line = "prefix ";
  LogPattern::Default().AppendTo(Known(), line);
  line += " message";
  EXPECT_EQ(line,
            absl::StrCat("prefix [", kTraceHex, "] [", kSpanHex, "] message"));
}

TEST(LogPatternTest, AppendTraceFieldsUsesTheCallingThreadsContext) {
  // Several threads, each under its own trace, format concurrently with one
  // shared pattern; each sees only its own ids.
  constexpr int kThreads = 4;
  std::vector<std::string> results(kThreads);
  const std::vector<TraceContext> contexts =
      testing_support::RunUnderOwnTraces(kThreads, [&](int i) {
        const std::string expected = LogPattern::Default().Format(Current());
        std::string line;
        for (int k = 0; k < 1000; ++k) {
          line.clear();
          AppendTraceFields(line);
          if (line != expected) break;
        }
        results[i] = line;
      });
  for (int i = 0; i < kThreads; ++i) {
    EXPECT_EQ(results[i],
              absl::StrCat("[", contexts[i].trace_id().ToHex(), "] [",
                           contexts[i].span_id().ToHex(), "]"));
  }
}

TEST(JsonTest, EscapesEverythingJsonRequires) {
  std::string out;
  AppendJsonEscaped("a\"b\\c\n\r\t\b\f\x01\x1f/\x7f", out);
  EXPECT_EQ(out, "a\\\"b\\\\c\\n\\r\\t\\b\\f\\u0001\\u001f/\x7f");
}

TEST(JsonTest, KeepsValidUtf8AndReplacesInvalid) {
  std::string out;
  AppendJsonEscaped("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", out);  // é € 😀
  EXPECT_EQ(out, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
  const std::vector<std::string> bad = {"\xff",
                                        "\xc0\xaf",          // overlong '/'
                                        "\xed\xa0\x80",      // surrogate
                                        "\xf4\x90\x80\x80",  // above U+10FFFF
                                        "\xe2\x82",          // truncated
                                        "\x80"};
  for (const std::string& b : bad) {
    out.clear();
    AppendJsonEscaped(b, out);
    EXPECT_THAT(out, StartsWith("\\ufffd")) << "input bytes " << b.size();
    EXPECT_TRUE(testing_json::ParseJsonObject("{\"k\":\"" + out + "\"}"))
        << out;
  }
}

TEST(JsonTest, LineParsesAndHasOpenTelemetryFields) {
  JsonLogRecord r;
  r.time_unix_nano = 1795770788123456789;  // 2026-11-27T09:13:08.123456789Z
  r.severity_text = "INFO";
  r.severity_number = 9;
  r.body = "quote \" backslash \\ newline \n bad \xff end";
  r.logger_name = "app";
  std::string line;
  AppendJsonLogLine(r, Known(), line);
  EXPECT_EQ(line.find('\n'), std::string::npos);
  auto obj = testing_json::ParseJsonObject(line);
  ASSERT_TRUE(obj.has_value()) << line;
  EXPECT_EQ((*obj)["timestamp"], "2026-11-27T09:13:08.123456789Z");
  EXPECT_EQ((*obj)["severity_text"], "INFO");
  EXPECT_EQ((*obj)["severity_number"], "9");
  EXPECT_EQ((*obj)["body"],
            "quote \" backslash \\ newline \n bad \xef\xbf\xbd end");
  EXPECT_EQ((*obj)["logger"], "app");
  EXPECT_EQ((*obj)["trace_id"], kTraceHex);
  EXPECT_EQ((*obj)["span_id"], kSpanHex);
  EXPECT_EQ((*obj)["trace_flags"], "01");
  EXPECT_EQ((*obj)["parent_span_id"], kParentHex);
  EXPECT_EQ(obj->size(), 9u);
}

TEST(JsonTest, NoTraceMeansNoTraceFields) {
  JsonLogRecord r;
  r.time_unix_nano = 0;
  r.severity_text = "ERROR";
  r.body = "x";
  std::string line;
  AppendJsonLogLine(r, TraceContext(), line);
  auto obj = testing_json::ParseJsonObject(line);
  ASSERT_TRUE(obj.has_value()) << line;
  EXPECT_EQ((*obj)["timestamp"], "1970-01-01T00:00:00.000000000Z");
  EXPECT_EQ(obj->count("trace_id"), 0u);
  EXPECT_EQ(obj->count("span_id"), 0u);
  EXPECT_EQ(obj->count("trace_flags"), 0u);
  EXPECT_EQ(obj->count("severity_number"), 0u);  // 0: left out
  EXPECT_EQ(obj->count("logger"), 0u);           // empty: left out
}

TEST(LogPatternBaggageTest, WritesTheChosenKeysValue) {
  absl::StatusOr<LogPattern> p =
      LogPattern::Parse("tenant={baggage:tenant} tier={baggage:tier}");
  ASSERT_TRUE(p.ok()) << p.status();
  const TraceContext c = TraceContext::NewRoot().WithBaggage(
      *Baggage().Set("tenant", "acme-1").value().Set("other", "x"));
  EXPECT_EQ(p->Format(c), "tenant=acme-1 tier=-");
  EXPECT_EQ(p->Format(TraceContext::NewRoot()), "tenant=- tier=-");
  // Baggage without a valid trace is still written.
  EXPECT_EQ(p->Format(TraceContext().WithBaggage(c.baggage())),
            "tenant=acme-1 tier=-");
}

TEST(LogPatternBaggageTest, NetworkTextIsEscapedNeverRaw) {
  absl::StatusOr<LogPattern> p = LogPattern::Parse("[{baggage:k}]");
  ASSERT_TRUE(p.ok());
  const std::string hostile = "a b\n\"%\\\x1b[31m\xc3\xa9";
  const TraceContext c =
      TraceContext::NewRoot().WithBaggage(*Baggage().Set("k", hostile));
  const std::string line = p->Format(c);
  EXPECT_EQ(line, "[a%20b%0a%22%25%5c%1b[31m%c3%a9]");
  for (char ch : line) {
    EXPECT_TRUE(ch > 0x20 && ch < 0x7f) << static_cast<int>(ch);
  }
}

TEST(LogPatternBaggageTest, LongValuesAreCutAtWholeEscapes) {
  absl::StatusOr<LogPattern> p = LogPattern::Parse("{baggage:k}");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->max_size(), LogPattern::kMaxBaggageValueSize);
  const TraceContext plain = TraceContext::NewRoot().WithBaggage(
      *Baggage().Set("k", std::string(500, 'x')));
  EXPECT_EQ(p->Format(plain), std::string(64, 'x'));
  // 63 raw characters then a space: its escape does not fit, so it is cut.
  const TraceContext escaped = TraceContext::NewRoot().WithBaggage(
      *Baggage().Set("k", std::string(63, 'y') + " z"));
  EXPECT_EQ(p->Format(escaped), std::string(63, 'y'));
}

TEST(LogPatternBaggageTest, RejectsBadKeys) {
  EXPECT_FALSE(LogPattern::Parse("{baggage:}").ok());
  EXPECT_FALSE(LogPattern::Parse("{baggage:a b}").ok());
  EXPECT_FALSE(LogPattern::Parse("{baggage:" + std::string(65, 'k') + "}").ok());
  EXPECT_TRUE(LogPattern::Parse("{baggage:" + std::string(64, 'k') + "}").ok());
  // 17 fields of 64 characters pass the 1024-character output limit.
  std::string many;
  for (int i = 0; i < 17; ++i) many += "{baggage:k}";
  EXPECT_FALSE(LogPattern::Parse(many).ok());
}

}  // namespace
}  // namespace logging
}  // namespace traceprop
