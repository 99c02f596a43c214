// Load: 100,000 unary RPCs from several client threads through traced
// channels to a traced server, with every span exported over OTLP/gRPC to
// the in-process receiver. With a queue big enough for everything, nothing
// is dropped and the receiver counts exactly the spans recorded (two per
// call), each once.

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "traceprop/exporters/otlp_grpc_exporter.h"
#include "traceprop/spans/provider.h"
#include "traceprop/tests/exporters/otlp_test_receiver.h"
#include "traceprop/tests/interceptors/echo_servers.h"

namespace traceprop {
namespace {

using testing_support::EchoServer;
using testing_support::OtlpTestReceiver;
using testing_support::ServerApi;

TEST(OtlpLoad, HundredThousandRpcsLoseNoSpan) {
  constexpr int kThreads = 8;
  constexpr int kCallsPerThread = 12500;
  constexpr size_t kCalls = size_t{kThreads} * kCallsPerThread;
  constexpr size_t kSpans = 2 * kCalls;  // CLIENT + SERVER per call

  OtlpTestReceiver receiver;
  receiver.CountOnly();
  OtlpGrpcExporterOptions o;
  o.endpoint = receiver.endpoint();
  o.timeout = absl::Seconds(60);
  auto exporter = std::make_unique<OtlpGrpcExporter>(o);
  auto exporter_stats = exporter->stats();
  BatchSpanProcessorOptions bsp;
  bsp.max_queue_size = kSpans;  // big enough: nothing may be dropped
  bsp.max_export_batch_size = 2048;
  bsp.schedule_delay = absl::Milliseconds(50);
  auto processor_owned =
      std::make_unique<BatchSpanProcessor>(std::move(exporter), bsp);
  BatchSpanProcessor* processor = processor_owned.get();
  auto provider = std::make_shared<TracerProvider>(
      TracerProviderOptions{nullptr, std::move(processor_owned)});
  InstallTracerProvider(provider);

  const absl::Time start = absl::Now();
  {
    EchoServer server(ServerApi::kCallback);
    std::atomic<int> failed{0};
    std::vector<std::thread> clients;
    for (int t = 0; t < kThreads; ++t) {
      clients.emplace_back([&] {
        auto stub = tpecho::Echo::NewStub(server.TcpChannel());
        tpecho::EchoRequest req;
        tpecho::EchoResponse resp;
        for (int i = 0; i < kCallsPerThread; ++i) {
          grpc::ClientContext ctx;
          ctx.set_deadline(std::chrono::system_clock::now() +
                           std::chrono::seconds(60));
          if (!stub->Unary(&ctx, req, &resp).ok()) failed.fetch_add(1);
        }
      });
    }
    for (std::thread& c : clients) c.join();
    EXPECT_EQ(failed.load(), 0);
    server.Shutdown();  // every server span has ended
  }
  const absl::Duration calls_took = absl::Now() - start;
  ASSERT_TRUE(provider->ForceFlush(absl::Seconds(120)));
  ASSERT_TRUE(receiver.WaitForSpans(kSpans, absl::Seconds(60)));
  InstallTracerProvider(nullptr);
  EXPECT_TRUE(provider->Shutdown(absl::Seconds(60)));

  const BatchSpanProcessor::Stats s = processor->GetStats();
  EXPECT_EQ(s.dropped, 0u);
  EXPECT_EQ(s.export_failures, 0u);
  EXPECT_EQ(s.enqueued, kSpans);  // recorded: every call's two spans
  EXPECT_EQ(s.exported + s.dropped, s.enqueued);
  EXPECT_EQ(exporter_stats->exported_spans.load(), kSpans);
  EXPECT_EQ(exporter_stats->rejected_spans.load(), 0u);
  EXPECT_EQ(receiver.SpanCount(), kSpans);
  EXPECT_EQ(receiver.DistinctSpanIds(), kSpans);  // none twice
  std::printf("%zu RPCs in %s, %zu spans exported in %s in all\n", kCalls,
              absl::FormatDuration(calls_took).c_str(), kSpans,
              absl::FormatDuration(absl::Now() - start).c_str());
}

}  // namespace
}  // namespace traceprop
