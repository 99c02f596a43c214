#include "traceprop/context/id_generator.h"

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstring>
#include <set>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "gtest/gtest.h"

namespace traceprop {
namespace {

TEST(IdGeneratorTest, IdsAreValidAndDistinct) {
  absl::flat_hash_set<TraceId> traces;
  absl::flat_hash_set<SpanId> spans;
  for (int i = 0; i < 100000; ++i) {
    TraceId t = GenerateTraceId();
    SpanId s = GenerateSpanId();
    ASSERT_TRUE(t.IsValid());
    ASSERT_TRUE(s.IsValid());
    traces.insert(t);
    spans.insert(s);
  }
  EXPECT_EQ(traces.size(), 100000u);
  EXPECT_EQ(spans.size(), 100000u);  // 64-bit collisions: ~3e-10 chance
}

// Level 2 "random" flag: the right-most 7 bytes must be random. A weak but
// honest check: every one of those bytes takes many values, and each bit is
// set in roughly half of the ids.
TEST(IdGeneratorTest, TraceIdBytesLookUniform) {
  constexpr int kN = 20000;
  std::array<int, 16 * 8> ones{};
  std::array<std::set<uint8_t>, 16> values;
  for (int i = 0; i < kN; ++i) {
    TraceId t = GenerateTraceId();
    for (int byte = 0; byte < 16; ++byte) {
      values[byte].insert(t.bytes()[byte]);
      for (int bit = 0; bit < 8; ++bit) {
        ones[byte * 8 + bit] += (t.bytes()[byte] >> bit) & 1;
      }
    }
  }
  for (int byte = 0; byte < 16; ++byte) {
    EXPECT_EQ(values[byte].size(), 256u) << "byte " << byte;
  }
  for (int i = 0; i < 128; ++i) {
    // 5 sigma around kN/2 (sigma = sqrt(kN)/2 ~ 71).
    EXPECT_NEAR(ones[i], kN / 2, 360) << "bit " << i;
  }
}

// Consecutive ids must not be related bit by bit: each bit agrees between
// one span id and the next in about half of the pairs. (A generator that
// returned its counter unmixed fails: the lowest bit would alternate.)
TEST(IdGeneratorTest, ConsecutiveSpanIdsAreUncorrelated) {
  constexpr int kN = 20000;
  std::array<int, 64> same{};
  auto bits = [] {
    uint64_t v;
    std::memcpy(&v, GenerateSpanId().bytes().data(), 8);
    return v;
  };
  uint64_t prev = bits();
  for (int i = 0; i < kN; ++i) {
    const uint64_t next = bits();
    for (int bit = 0; bit < 64; ++bit)
      same[bit] += ((prev ^ next) >> bit & 1) == 0;
    prev = next;
  }
  for (int bit = 0; bit < 64; ++bit) {
    EXPECT_NEAR(same[bit], kN / 2, 360) << "bit " << bit;  // 5 sigma
  }
}

TEST(IdGeneratorTest, ThreadsGetDifferentSequences) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 2000;
  std::vector<std::vector<SpanId>> out(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&out, t] {
      for (int i = 0; i < kPerThread; ++i) out[t].push_back(GenerateSpanId());
    });
  }
  for (auto& th : threads) th.join();
  absl::flat_hash_set<SpanId> all;
  for (auto& v : out) all.insert(v.begin(), v.end());
  EXPECT_EQ(all.size(), static_cast<size_t>(kThreads * kPerThread));
}

// After fork() the child must not replay the parent's sequence: both draw
// the next id from the "same" state and the ids must differ.
TEST(IdGeneratorTest, ChildAfterForkGetsNewSequence) {
  (void)GenerateSpanId();  // make sure this thread's generator is seeded
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    SpanId child = GenerateSpanId();
    ssize_t n = write(fds[1], child.bytes().data(), 8);
    _exit(n == 8 ? 0 : 1);
  }
  SpanId parent = GenerateSpanId();
  std::array<uint8_t, 8> buf{};
  ASSERT_EQ(read(fds[0], buf.data(), 8), 8);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  close(fds[0]);
  close(fds[1]);
  EXPECT_NE(SpanId(buf), parent);
}

}  // namespace
}  // namespace traceprop
