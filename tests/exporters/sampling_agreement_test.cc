// Two services agree on sampling: two separate processes, configured alike
// by the standard variables (OTEL_TRACES_SAMPLER=parentbased_traceidratio,
// OTEL_TRACES_SAMPLER_ARG=0.1) but with different service names, make the
// root decision for the same 5000 trace ids. Their decision sets and their
// `ot=th` values must be identical, and each decision must be what the
// OpenTelemetry probability-sampling rule gives (randomness = the trace
// id's right-most 56 bits, sampled iff randomness >= threshold), checked
// here independently of spans/sampler.cc.
//
// The test binary is its own child: `sampling_agreement_test --decide IDS
// OUT` reads trace ids (hex, one a line) and writes "service.name" and then
// "<id> <0|1> <tracestate>" lines.

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "traceprop/context/id_generator.h"
#include "traceprop/exporters/env_config.h"
#include "traceprop/spans/provider.h"

extern char** environ;

namespace traceprop {
namespace {

int Decide(const char* ids_path, const char* out_path) {
  TracingConfig config = TracingConfigFromEnv("unnamed");
  std::shared_ptr<TracerProvider> provider = MakeTracerProvider(config);
  if (!provider || !config.problems.empty()) return 2;
  std::ifstream in(ids_path);
  std::ofstream out(out_path);
  const AttributeValue& name = config.resource.at(0).value;
  out << std::get<std::string>(name) << "\n";
  std::string line;
  while (std::getline(in, line)) {
    absl::StatusOr<TraceId> id = TraceId::FromHex(line);
    if (!id.ok()) return 3;
    SamplingResult r = provider->sampler().ShouldSample(
        TraceContext(), *id, "root", SpanKind::kServer);
    out << line << " " << (r.sampled ? 1 : 0) << " " << r.trace_state.ToHeader()
        << "\n";
  }
  out.flush();
  return out ? 0 : 4;
}

std::string Self() {
  char buf[4096];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return "";
  return std::string(buf, static_cast<size_t>(n));
}

// Runs this binary as a decider with `service` and the shared sampler
// settings; returns its exit code.
int RunDecider(const std::string& service, const std::string& ids,
               const std::string& out) {
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    if (!absl::StartsWith(*e, "OTEL_")) env.push_back(*e);
  }
  env.push_back("OTEL_SERVICE_NAME=" + service);
  env.push_back("OTEL_TRACES_SAMPLER=parentbased_traceidratio");
  env.push_back("OTEL_TRACES_SAMPLER_ARG=0.1");
  env.push_back("OTEL_TRACES_EXPORTER=none");
  std::vector<char*> envp;
  for (std::string& s : env) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::string self = Self();
  std::string flag = "--decide";
  std::string ids_arg = ids, out_arg = out;
  char* argv[] = {self.data(), flag.data(), ids_arg.data(), out_arg.data(),
                  nullptr};
  pid_t pid;
  if (posix_spawn(&pid, self.c_str(), nullptr, nullptr, argv, envp.data()) != 0)
    return -1;
  int status = 0;
  if (waitpid(pid, &status, 0) != pid) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::vector<std::string> Lines(const std::string& path) {
  std::vector<std::string> lines;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  return lines;
}

// The oracle: the 56-bit rejection threshold of an `ot=th:` value (up to 14
// hex digits, trailing zeros omitted) and the trace id's randomness.
bool ThresholdOf(const std::string& tracestate, uint64_t* threshold,
                 std::string* th) {
  for (absl::string_view member : absl::StrSplit(tracestate, ',')) {
    if (!absl::ConsumePrefix(&member, "ot=")) continue;
    for (absl::string_view kv : absl::StrSplit(member, ';')) {
      if (!absl::ConsumePrefix(&kv, "th:")) continue;
      if (kv.empty() || kv.size() > 14) return false;
      std::string digits(kv);
      *th = digits;
      digits.resize(14, '0');
      *threshold = std::stoull(digits, nullptr, 16);
      return true;
    }
  }
  return false;
}
uint64_t Randomness(const std::string& trace_id_hex) {
  return std::stoull(trace_id_hex.substr(18), nullptr, 16);  // last 14 digits
}

TEST(SamplingAgreement, TwoProcessesAtTheSameRatioKeepTheSameTraces) {
  const std::string dir = ::testing::TempDir();
  const std::string tag = std::to_string(getpid());
  const std::string ids = dir + "sampling_ids_" + tag;
  const std::string out_a = dir + "sampling_a_" + tag;
  const std::string out_b = dir + "sampling_b_" + tag;
  constexpr int kTraces = 5000;
  {
    std::ofstream f(ids);
    for (int i = 0; i < kTraces; ++i) f << GenerateTraceId().ToHex() << "\n";
  }
  ASSERT_EQ(RunDecider("frontend", ids, out_a), 0);
  ASSERT_EQ(RunDecider("billing", ids, out_b), 0);
  const std::vector<std::string> a = Lines(out_a);
  const std::vector<std::string> b = Lines(out_b);
  std::remove(ids.c_str());
  std::remove(out_a.c_str());
  std::remove(out_b.c_str());
  ASSERT_EQ(a.size(), size_t{kTraces + 1});
  ASSERT_EQ(b.size(), size_t{kTraces + 1});
  EXPECT_EQ(a[0], "frontend");  // really two differently named services
  EXPECT_EQ(b[0], "billing");
  int sampled = 0;
  std::string first_th;
  for (int i = 1; i <= kTraces; ++i) {
    ASSERT_EQ(a[i], b[i]) << "line " << i;  // same id, decision, tracestate
    std::vector<std::string> f = absl::StrSplit(a[i], ' ');
    ASSERT_EQ(f.size(), 3u) << a[i];
    uint64_t threshold = 0;
    std::string th;
    if (f[1] == "1") {
      ++sampled;
      ASSERT_TRUE(ThresholdOf(f[2], &threshold, &th)) << a[i];
      if (first_th.empty()) first_th = th;
      EXPECT_EQ(th, first_th);  // one ratio, one threshold
      EXPECT_GE(Randomness(f[0]), threshold) << a[i];
    } else {
      EXPECT_FALSE(absl::StrContains(f[2], "th:")) << a[i];
      if (!first_th.empty()) {
        ThresholdOf("ot=th:" + first_th, &threshold, &th);
        EXPECT_LT(Randomness(f[0]), threshold) << a[i];
      }
    }
  }
  // The threshold of 0.1 is 0.9 * 2^56 (within the 14-digit precision).
  uint64_t threshold = 0;
  std::string th;
  ASSERT_TRUE(ThresholdOf("ot=th:" + first_th, &threshold, &th));
  const double p_keep = 1.0 - static_cast<double>(threshold) / 72057594037927936.0;
  EXPECT_NEAR(p_keep, 0.1, 1e-9);
  // Binomial(5000, 0.1): mean 500, sd ~21; 6 sd either side.
  EXPECT_GT(sampled, 500 - 127);
  EXPECT_LT(sampled, 500 + 127);
}

}  // namespace
}  // namespace traceprop

int main(int argc, char** argv) {
  if (argc == 4 && std::strcmp(argv[1], "--decide") == 0)
    return traceprop::Decide(argv[2], argv[3]);
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
