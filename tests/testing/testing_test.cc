// Tests of the shared test-support library: a helper that passed wrongly
// would make every suite using it pass wrongly too.
#include <atomic>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/escaping.h"
#include "gtest/gtest.h"
#include "traceprop/context/current.h"
#include "traceprop/tests/testing/json_checker.h"
#include "traceprop/tests/testing/thread_pool.h"
#include "traceprop/tests/testing/threads.h"

namespace traceprop {
namespace testing_support {
namespace {

TEST(StartGateTest, HoldsThreadsUntilOpenedThenReleasesAll) {
  StartGate gate;
  std::atomic<int> passed{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      gate.Wait();
      passed.fetch_add(1);
    });
  }
  EXPECT_EQ(passed.load(), 0);  // nobody passes a closed gate
  gate.Open();
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(passed.load(), 4);
  gate.Wait();  // an open gate does not block
}

TEST(ThreadPoolTest, RunsEveryClosureOnWorkersBeforeDestructionEnds) {
  std::atomic<int> ran{0};
  std::atomic<int> on_caller{0};
  const std::thread::id caller = std::this_thread::get_id();
  {
    ThreadPool pool(2);
    for (int i = 0; i < 50; ++i) {
      auto owned = std::make_unique<int>(i);  // move-only closures work
      pool.post([&, owned = std::move(owned)] {
        if (std::this_thread::get_id() == caller) on_caller.fetch_add(1);
        ran.fetch_add(*owned >= 0 ? 1 : 0);
      });
    }
  }  // drains, then joins
  EXPECT_EQ(ran.load(), 50);
  EXPECT_EQ(on_caller.load(), 0);
}

TEST(RunUnderOwnTracesTest, EachBodySeesItsOwnContext) {
  std::mutex mu;
  std::vector<TraceContext> seen(5);
  const std::vector<TraceContext> traces = RunUnderOwnTraces(5, [&](int i) {
    std::lock_guard<std::mutex> lock(mu);
    seen[i] = Current();
  });
  ASSERT_EQ(traces.size(), 5u);
  std::set<std::string> trace_ids;
  for (int i = 0; i < 5; ++i) {
    EXPECT_TRUE(traces[i].IsValid());
    EXPECT_EQ(seen[i], traces[i]) << i;
    trace_ids.insert(traces[i].trace_id().ToHex());
  }
  EXPECT_EQ(trace_ids.size(), 5u) << "every thread has its own trace";
  EXPECT_FALSE(Current().IsValid()) << "the caller's context is untouched";
}

TEST(JsonCheckerTest, ParsesOneObjectAndNothingElse) {
  auto obj = testing_json::ParseJsonObject(
      R"({"a":"x\"\u00e9\ud83d\ude00","n":-1.5e3,"o":{"k":[true,null]}})");
  ASSERT_TRUE(obj.has_value());
  EXPECT_EQ((*obj)["a"], "x\"\xc3\xa9\xf0\x9f\x98\x80");
  EXPECT_EQ((*obj)["n"], "-1.5e3");
  EXPECT_EQ((*obj)["o"], R"({"k":[true,null]})");
  for (const char* bad : {R"({"a":1} x)", R"({"a":1,"a":2})", R"({"a":01})",
                          "{\"a\":\"\x01\"}", R"({"a":"\ud83d"})", "[1]",
                          R"({"a":)"}) {
    EXPECT_FALSE(testing_json::ParseJsonObject(bad).has_value()) << bad;
  }
}

// The oracle decodes UTF-8 its own way (code point, then range checks):
// it must reject what RFC 3629 forbids, boundaries included, on its own.
TEST(JsonCheckerTest, RejectsInvalidUtf8) {
  auto parses = [](const std::string& bytes) {
    return testing_json::ParseJsonObject("{\"k\":\"" + bytes + "\"}")
        .has_value();
  };
  EXPECT_TRUE(parses("\x7f\xc2\x80\xdf\xbf\xe0\xa0\x80\xed\x9f\xbf"));
  EXPECT_TRUE(parses("\xee\x80\x80\xf0\x90\x80\x80\xf4\x8f\xbf\xbf"));
  for (const char* bad :
       {"\xc1\xbf", "\xe0\x9f\xbf", "\xf0\x8f\xbf\xbf",  // overlong
        "\xed\xa0\x80", "\xed\xbf\xbf",                  // surrogates
        "\xf4\x90\x80\x80", "\xf8\x88\x80\x80\x80",       // too high
        "\x80", "\xc2", "\xe2\x82", "\xc2\x41"}) {       // cut / stray
    EXPECT_FALSE(parses(bad)) << absl::CHexEscape(bad);
  }
}

}  // namespace
}  // namespace testing_support
}  // namespace traceprop
