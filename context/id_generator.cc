#include "traceprop/context/id_generator.h"

#include <pthread.h>
#include <sys/random.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstring>
#include <thread>

namespace traceprop {
namespace {

// Runs in the child after fork(), on the only thread the child has (the
// one that forked): its generator reseeds on next use, so parent and child
// never produce the same ids.
void OnForkChild();

bool RegisterAtFork() {
  pthread_atfork(nullptr, nullptr, &OnForkChild);
  return true;
}

uint64_t SplitMix64(uint64_t& x) {
  uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

inline uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

struct Xoshiro256 {
  uint64_t s[4] = {0, 0, 0, 0};
  bool seeded = false;

  void Seed() {
    uint64_t seed[4] = {0, 0, 0, 0};
    size_t got = 0;
    while (got < sizeof(seed)) {
      ssize_t n =
          getrandom(reinterpret_cast<char*>(seed) + got, sizeof(seed) - got, 0);
      if (n <= 0) break;  // no entropy source: mix in what we have below
      got += static_cast<size_t>(n);
    }
    // Whatever getrandom gave, mix in time, pid and thread identity so two
    // threads or processes never start from the same state even without it.
    uint64_t mix =
        static_cast<uint64_t>(
            std::chrono::steady_clock::now().time_since_epoch().count()) ^
        (static_cast<uint64_t>(getpid()) << 32) ^
        static_cast<uint64_t>(
            std::hash<std::thread::id>()(std::this_thread::get_id()));
    for (uint64_t& word : s) word = 0;
    for (int i = 0; i < 4; ++i) s[i] = seed[i] ^ SplitMix64(mix);
    if ((s[0] | s[1] | s[2] | s[3]) == 0)
      s[0] = 1;  // all-zero is a fixed point
  }

  // Ready seeds on first use in a thread. After fork() the child has only
  // the forking thread, whose state OnForkChild marks unseeded.
  void Ready() {
    if (__builtin_expect(!seeded, 0)) {
      static const bool registered = RegisterAtFork();
      (void)registered;
      Seed();
      seeded = true;
    }
  }

  uint64_t Next() {
    const uint64_t result = Rotl(s[1] * 5, 7) * 9;
    const uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = Rotl(s[3], 45);
    return result;
  }
};

// initial-exec: one TLS slot read with no __tls_get_addr call, also when
// this library is linked into a shared object.
__attribute__((tls_model("initial-exec"))) thread_local Xoshiro256 rng;

void OnForkChild() { rng.seeded = false; }

}  // namespace

TraceId GenerateTraceId() {
  std::array<uint8_t, 16> bytes;
  Xoshiro256& r = rng;
  r.Ready();
  uint64_t hi, lo;
  do {
    hi = r.Next();
    lo = r.Next();
  } while ((hi | lo) == 0);
  std::memcpy(bytes.data(), &hi, 8);
  std::memcpy(bytes.data() + 8, &lo, 8);
  return TraceId(bytes);
}

SpanId GenerateSpanId() {
  std::array<uint8_t, 8> bytes;
  Xoshiro256& r = rng;
  r.Ready();
  uint64_t v;
  do {
    v = r.Next();
  } while (v == 0);
  std::memcpy(bytes.data(), &v, 8);
  return SpanId(bytes);
}

}  // namespace traceprop
