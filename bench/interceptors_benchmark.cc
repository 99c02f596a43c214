// Cost of the traceprop interceptors on a unary RPC, against (a) no
// interceptors and (b) a no-op client and server interceptor, and (c) with
// span recording on (a TracerProvider whose batching processor hands spans
// to an exporter that discards them: recording, not network), over an
// in-process channel and over TCP loopback; plus throughput with 8 client
// threads. One family per measurement with the variant as an argument, so
// that repetitions interleave:
//
//   taskset -c 1 ./interceptors_benchmark --benchmark_repetitions=10 \
//       --benchmark_enable_random_interleaving=true \
//       --benchmark_report_aggregates_only=true
//
// The service is a hand-written sync service over raw ByteBuffers (what
// generated code does), so the benchmark needs no .proto of its own. Every
// variant runs its calls under a current context and its handler reads
// Current(), so the variants differ only by the interceptors.

#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/impl/client_unary_call.h>
#include <grpcpp/impl/rpc_method.h>
#include <grpcpp/impl/rpc_service_method.h>
#include <grpcpp/support/method_handler.h>
#include <sched.h>
#include <spawn.h>
#include <unistd.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "benchmark/benchmark.h"
#include "traceprop/context/current.h"
#include "traceprop/context/id_generator.h"
#include "traceprop/exporters/env_config.h"
#include "traceprop/exporters/internal/otlp_proto.h"
#include "traceprop/exporters/otlp_grpc_exporter.h"
#include "traceprop/interceptors/tracing.h"
#include "traceprop/spans/provider.h"

#ifdef TRACEPROP_BENCH_OTEL_CPP
#include "opentelemetry/context/propagation/global_propagator.h"
#include "opentelemetry/context/propagation/text_map_propagator.h"
#include "opentelemetry/context/runtime_context.h"
#include "opentelemetry/trace/context.h"
#include "opentelemetry/trace/default_span.h"
#include "opentelemetry/trace/propagation/http_trace_context.h"
#endif

namespace {

using grpc::experimental::ClientInterceptorFactoryInterface;
using grpc::experimental::ServerInterceptorFactoryInterface;

constexpr char kMethod[] = "/bench.Echo/Unary";
// kHeaderOnly: no-op interceptors of which the client one adds a constant
// 55-character traceparent: the floor any propagation pays (gRPC's cost of
// carrying one more header), to tell it apart from traceprop's own work.
// kRecording: kTraceprop with a TracerProvider installed while it runs.
// kUnsampled: kRecording's set-up, calls made under an unsampled trace
// (propagated, nothing recorded): what sampling out costs.
// kOtelCpp (only when built with TRACEPROP_OTEL_CPP_API_DIR, see
// bench/CMakeLists.txt): no interceptors; the propagation steps of
// opentelemetry-cpp's examples/grpc with its API alone (no SDK, so no span
// and no per-call span id): the caller injects the current context into
// the ClientContext with the global HttpTraceContext propagator, the handler
// extracts it from client_metadata() and attaches it while it runs.
enum Variant {
  kNone = 0,
  kNoOp = 1,
  kTraceprop = 2,
  kHeaderOnly = 3,
  kRecording = 4,
  kUnsampled = 5,
  kOtelCpp = 6,
  kVariants = 7
};
enum Transport { kInProcess = 0, kTcp = 1 };

class EchoService : public grpc::Service {
 public:
  EchoService() {
    AddMethod(new grpc::internal::RpcServiceMethod(
        kMethod, grpc::internal::RpcMethod::NORMAL_RPC,
        new grpc::internal::RpcMethodHandler<EchoService, grpc::ByteBuffer,
                                             grpc::ByteBuffer>(
            [](EchoService*, grpc::ServerContext*, const grpc::ByteBuffer* req,
               grpc::ByteBuffer* resp) {
              // What a handler that logs its trace id would touch.
              benchmark::DoNotOptimize(traceprop::Current().trace_id());
              *resp = *req;
              return grpc::Status::OK;
            },
            this)));
  }
};

#ifdef TRACEPROP_BENCH_OTEL_CPP
namespace otel = opentelemetry;

// The carriers of opentelemetry-cpp's examples/grpc (tracer_common.h),
// without their logging.
class OtelClientCarrier final
    : public otel::context::propagation::TextMapCarrier {
 public:
  explicit OtelClientCarrier(grpc::ClientContext* ctx) : ctx_(ctx) {}
  otel::nostd::string_view Get(
      otel::nostd::string_view) const noexcept override {
    return "";
  }
  void Set(otel::nostd::string_view key,
           otel::nostd::string_view value) noexcept override {
    ctx_->AddMetadata(std::string(key), std::string(value));
  }

 private:
  grpc::ClientContext* const ctx_;
};

class OtelServerCarrier final
    : public otel::context::propagation::TextMapCarrier {
 public:
  explicit OtelServerCarrier(const grpc::ServerContext* ctx) : ctx_(ctx) {}
  otel::nostd::string_view Get(
      otel::nostd::string_view key) const noexcept override {
    auto it = ctx_->client_metadata().find({key.data(), key.size()});
    if (it == ctx_->client_metadata().end()) return "";
    return otel::nostd::string_view(it->second.data(), it->second.size());
  }
  void Set(otel::nostd::string_view,
           otel::nostd::string_view) noexcept override {}

 private:
  const grpc::ServerContext* const ctx_;
};

otel::nostd::shared_ptr<otel::context::propagation::TextMapPropagator>
OtelPropagator() {
  static const bool set = [] {
    otel::context::propagation::GlobalTextMapPropagator::SetGlobalPropagator(
        otel::nostd::shared_ptr<otel::context::propagation::TextMapPropagator>(
            new otel::trace::propagation::HttpTraceContext()));
    return true;
  }();
  (void)set;
  return otel::context::propagation::GlobalTextMapPropagator::
      GetGlobalPropagator();
}

// The handler extracts the caller's context and makes it current while it
// runs, as the example's server does before starting its span.
class OtelEchoService : public grpc::Service {
 public:
  OtelEchoService() {
    AddMethod(new grpc::internal::RpcServiceMethod(
        kMethod, grpc::internal::RpcMethod::NORMAL_RPC,
        new grpc::internal::RpcMethodHandler<OtelEchoService, grpc::ByteBuffer,
                                             grpc::ByteBuffer>(
            [](OtelEchoService*, grpc::ServerContext* ctx,
               const grpc::ByteBuffer* req, grpc::ByteBuffer* resp) {
              OtelServerCarrier carrier(ctx);
              auto current = otel::context::RuntimeContext::GetCurrent();
              auto extracted = OtelPropagator()->Extract(carrier, current);
              auto token = otel::context::RuntimeContext::Attach(extracted);
              benchmark::DoNotOptimize(
                  otel::trace::GetSpan(
                      otel::context::RuntimeContext::GetCurrent())
                      ->GetContext()
                      .trace_id());
              *resp = *req;
              return grpc::Status::OK;
            },
            this)));
  }
};

// OtelScope makes a sampled OpenTelemetry span context current on the
// calling thread while it lives (kOtelCpp only).
class OtelScope {
 public:
  explicit OtelScope(int v) {
    if (v != kOtelCpp) return;
    const uint8_t trace_id[16] = {0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3,
                                  0x4d, 0xa6, 0xa3, 0xce, 0x92, 0x9d,
                                  0x0e, 0x0e, 0x47, 0x36};
    const uint8_t span_id[8] = {0x00, 0xf0, 0x67, 0xaa, 0x0b, 0xa9, 0x02, 0xb7};
    otel::trace::SpanContext span_context(
        otel::trace::TraceId(trace_id), otel::trace::SpanId(span_id),
        otel::trace::TraceFlags(otel::trace::TraceFlags::kIsSampled), false);
    auto current = otel::context::RuntimeContext::GetCurrent();
    token_ = otel::context::RuntimeContext::Attach(otel::trace::SetSpan(
        current, otel::nostd::shared_ptr<otel::trace::Span>(
                     new otel::trace::DefaultSpan(span_context))));
  }

 private:
  otel::nostd::unique_ptr<otel::context::Token> token_;
};

void InjectOtel(grpc::ClientContext* ctx) {
  OtelClientCarrier carrier(ctx);
  OtelPropagator()->Inject(carrier,
                           otel::context::RuntimeContext::GetCurrent());
}
#else
struct OtelScope {
  explicit OtelScope(int) {}
};
void InjectOtel(grpc::ClientContext*) {}
#endif

std::unique_ptr<grpc::Service> NewService(Variant v) {
#ifdef TRACEPROP_BENCH_OTEL_CPP
  if (v == kOtelCpp) return std::make_unique<OtelEchoService>();
#endif
  (void)v;
  return std::make_unique<EchoService>();
}

// The variants this build has (kOtelCpp needs opentelemetry-cpp's API).
std::vector<int64_t> Variants() {
  std::vector<int64_t> all = {kNone,       kNoOp,      kTraceprop,
                              kHeaderOnly, kRecording, kUnsampled};
#ifdef TRACEPROP_BENCH_OTEL_CPP
  all.push_back(kOtelCpp);
#endif
  return all;
}

class NoOpInterceptor : public grpc::experimental::Interceptor {
 public:
  void Intercept(grpc::experimental::InterceptorBatchMethods* m) override {
    m->Proceed();
  }
};
class HeaderOnlyInterceptor : public grpc::experimental::Interceptor {
 public:
  void Intercept(grpc::experimental::InterceptorBatchMethods* m) override {
    if (m->QueryInterceptionHookPoint(
            grpc::experimental::InterceptionHookPoints::
                PRE_SEND_INITIAL_METADATA)) {
      m->GetSendInitialMetadata()->emplace(
          "traceparent",
          "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
    }
    m->Proceed();
  }
};
class NoOpClientFactory : public ClientInterceptorFactoryInterface {
 public:
  explicit NoOpClientFactory(bool header) : header_(header) {}
  grpc::experimental::Interceptor* CreateClientInterceptor(
      grpc::experimental::ClientRpcInfo*) override {
    if (header_) return new HeaderOnlyInterceptor;
    return new NoOpInterceptor;
  }

 private:
  const bool header_;
};
class NoOpServerFactory : public ServerInterceptorFactoryInterface {
 public:
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo*) override {
    return new NoOpInterceptor;
  }
};

std::vector<std::unique_ptr<ClientInterceptorFactoryInterface>> ClientList(
    Variant v) {
  std::vector<std::unique_ptr<ClientInterceptorFactoryInterface>> list;
  if (v == kNoOp || v == kHeaderOnly) {
    list.push_back(std::make_unique<NoOpClientFactory>(v == kHeaderOnly));
  }
  if (v == kTraceprop || v == kRecording || v == kUnsampled)
    list.push_back(traceprop::MakeClientInterceptorFactory());
  return list;
}

// One server per variant, shared by both transports; never destroyed.
struct Setup {
  std::unique_ptr<grpc::Service> service;
  std::unique_ptr<grpc::Server> server;
  int port = 0;
  std::shared_ptr<grpc::Channel> channel[2];
};

Setup& Get(Variant v) {
  static Setup* setups[kVariants] = {};
  if (setups[v] != nullptr) return *setups[v];
  auto* s = new Setup;
  s->service = NewService(v);
  grpc::ServerBuilder builder;
  builder.AddListeningPort("localhost:0", grpc::InsecureServerCredentials(),
                           &s->port);
  builder.RegisterService(s->service.get());
  if (v == kNoOp || v == kHeaderOnly) {
    std::vector<std::unique_ptr<ServerInterceptorFactoryInterface>> list;
    list.push_back(std::make_unique<NoOpServerFactory>());
    builder.experimental().SetInterceptorCreators(std::move(list));
  } else if (v == kTraceprop || v == kRecording || v == kUnsampled) {
    traceprop::EnableTracing(builder);
  }
  s->server = builder.BuildAndStart();
  grpc::ChannelArguments args;
  s->channel[kInProcess] =
      v == kNone || v == kOtelCpp
          ? s->server->InProcessChannel(args)
          : s->server->experimental().InProcessChannelWithInterceptors(
                args, ClientList(v));
  const std::string target = absl::StrCat("localhost:", s->port);
  s->channel[kTcp] =
      v == kNone || v == kOtelCpp
          ? grpc::CreateCustomChannel(target,
                                      grpc::InsecureChannelCredentials(), args)
          : grpc::experimental::CreateCustomChannelWithInterceptors(
                target, grpc::InsecureChannelCredentials(), args,
                ClientList(v));
  setups[v] = s;
  return *s;
}

void Call(grpc::Channel* channel, const grpc::ByteBuffer& req,
          Variant v = kNone) {
  static const grpc::internal::RpcMethod method(
      kMethod, grpc::internal::RpcMethod::NORMAL_RPC);
  grpc::ClientContext ctx;
  if (v == kOtelCpp) InjectOtel(&ctx);
  grpc::ByteBuffer resp;
  grpc::Status status =
      grpc::internal::BlockingUnaryCall<grpc::ByteBuffer, grpc::ByteBuffer>(
          channel, method, &ctx, req, &resp);
  if (!status.ok()) std::abort();
}

grpc::ByteBuffer Request() {
  grpc::Slice slice(std::string(32, 'x'));
  return grpc::ByteBuffer(&slice, 1);
}

const char* VariantName(int v) {
  return v == kNone        ? "none"
         : v == kNoOp      ? "noop"
         : v == kTraceprop ? "traceprop"
         : v == kRecording ? "recording"
         : v == kUnsampled ? "unsampled"
         : v == kOtelCpp   ? "otel_cpp"
                           : "header_only";
}

class DiscardExporter final : public traceprop::SpanExporter {
 public:
  traceprop::ExportResult Export(
      const std::vector<std::unique_ptr<traceprop::SpanData>>&) override {
    return traceprop::ExportResult::kSuccess;
  }
};

// RecordingOn installs a recording provider for the variant kRecording
// while it lives (one benchmark run), and shuts it down afterwards.
class RecordingOn {
 public:
  explicit RecordingOn(Variant v) {
    if (v != kRecording && v != kUnsampled) return;
    provider_ = std::make_shared<traceprop::TracerProvider>(
        traceprop::TracerProviderOptions{
            nullptr, std::make_unique<traceprop::BatchSpanProcessor>(
                         std::make_unique<DiscardExporter>())});
    traceprop::InstallTracerProvider(provider_);
  }
  ~RecordingOn() {
    if (provider_ == nullptr) return;
    traceprop::InstallTracerProvider(nullptr);
    provider_->Shutdown(absl::Seconds(10));
  }

 private:
  std::shared_ptr<traceprop::TracerProvider> provider_;
};

// BM_Unary/<variant>/<transport>: latency of one blocking unary call.
void BM_Unary(benchmark::State& state) {
  const auto v = static_cast<Variant>(state.range(0));
  const auto t = static_cast<Transport>(state.range(1));
  grpc::Channel* channel = Get(v).channel[t].get();
  const grpc::ByteBuffer req = Request();
  RecordingOn recording(v);
  // The caller runs inside a traced request, as a service calling another.
  traceprop::ContextScope scope(
      traceprop::TraceContext::NewRoot(/*sampled=*/v != kUnsampled));
  OtelScope otel_scope(v);
  for (auto _ : state) Call(channel, req, v);
  state.SetLabel(absl::StrCat(VariantName(v), t == kTcp ? "/tcp" : "/inproc"));
}
BENCHMARK(BM_Unary)
    ->ArgNames({"variant", "tcp"})
    ->ArgsProduct({Variants(), {kInProcess, kTcp}})
    ->UseRealTime();

// BM_Throughput/<variant>: 8 client threads on one TCP channel.
void BM_Throughput(benchmark::State& state) {
  const auto v = static_cast<Variant>(state.range(0));
  grpc::Channel* channel = Get(v).channel[kTcp].get();
  const grpc::ByteBuffer req = Request();
  traceprop::ContextScope scope(traceprop::TraceContext::NewRoot());
  for (auto _ : state) Call(channel, req);
  state.SetItemsProcessed(state.iterations());
  state.SetLabel(VariantName(v));
}
BENCHMARK(BM_Throughput)
    ->ArgNames({"variant"})
    ->Arg(kNone)
    ->Arg(kTraceprop)
    ->Threads(8)
    ->UseRealTime();

// TRACEPROP_BENCH_ABSL_DEADLOCK_DETECTION=0 turns off Abseil's check of
// every absl::Mutex lock for deadlock cycles, which Debian's Abseil (built
// without NDEBUG) runs and a release build of Abseil does not: gRPC's own
// locks pay it on every call (docs/BENCHMARKS.md, "The unary call").
const bool kDeadlockDetectionSet = [] {
  const char* v = std::getenv("TRACEPROP_BENCH_ABSL_DEADLOCK_DETECTION");
  if (v == nullptr || std::string(v) != "0") return false;
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  return true;
}();

// BM_UnaryFixed/<variant>: exactly $TRACEPROP_BENCH_FIXED_CALLS in-process
// calls, registered only when that variable is set. Timing on a shared
// 2-core machine is noisy; instruction counts are not: run it under
// `valgrind --tool=callgrind` with two call counts, and the difference of
// the totals divided by the difference of the counts is the cost of one
// call, all threads included, setup cancelled out.
const bool kFixedRegistered = [] {
  const char* calls = std::getenv("TRACEPROP_BENCH_FIXED_CALLS");
  if (calls == nullptr) return false;
  for (int64_t v : Variants()) {
    benchmark::RegisterBenchmark(
        absl::StrCat("BM_UnaryFixed/", VariantName(v)).c_str(),
        [v](benchmark::State& state) {
          grpc::Channel* channel =
              Get(static_cast<Variant>(v)).channel[kInProcess].get();
          const grpc::ByteBuffer req = Request();
          RecordingOn recording(static_cast<Variant>(v));
          traceprop::ContextScope scope(
              traceprop::TraceContext::NewRoot(/*sampled=*/v != kUnsampled));
          OtelScope otel_scope(v);
          for (auto _ : state) Call(channel, req, static_cast<Variant>(v));
        })
        ->Iterations(std::atoi(calls))
        ->Repetitions(1);
  }
  return true;
}();

// ------------------------------------------------------------ export on
// BM_UnaryExport/<collector>: the in-process unary call with traceprop's
// interceptors, recording on, and the spans really exported over OTLP/gRPC
// (OtlpGrpcExporter, and BatchSpanProcessor as the OTEL_BSP_* variables set
// it: the defaults when they are unset),
// to (up) an in-process receiver on 127.0.0.1 that answers every Export, or
// (down) 127.0.0.1:1, where nothing listens (every export fails and is
// retried with backoff; once the queue is full spans are dropped and
// counted); "up_gzip" is (up) with gzip compression; "up_process" is (up)
// with the receiver in a child process on the other CPUs, as a collector
// is in production: only the exporter's own work (encoding, the gRPC
// client, and the kernel's TCP work, both ends' on loopback) shares the
// caller's CPU. "off" (no provider) and "discard"
// (recording, spans discarded without export) are the references, in the
// same family so that repetitions interleave. The in-process receiver of
// (up) runs on the caller's CPU when pinned, so (up) includes the CPU it
// takes from the caller.
enum Collector {
  kOff = 0,
  kDiscard = 1,
  kUp = 2,
  kDown = 3,
  kUpGzip = 4,
  kUpProcess = 5
};

// A receiver that answers every call with an empty (valid)
// ExportTraceServiceResponse without parsing the request; never destroyed.
class AnswerEverything final : public grpc::CallbackGenericService {
 public:
  grpc::ServerGenericBidiReactor* CreateReactor(
      grpc::GenericCallbackServerContext*) override {
    return new Reactor;
  }

 private:
  class Reactor final : public grpc::ServerGenericBidiReactor {
   public:
    Reactor() { StartRead(&request_); }
    void OnReadDone(bool ok) override {
      if (!ok) {
        Finish(grpc::Status::OK);
        return;
      }
      grpc::Slice empty("");
      response_ = grpc::ByteBuffer(&empty, 1);
      StartWriteAndFinish(&response_, grpc::WriteOptions(), grpc::Status::OK);
    }
    void OnDone() override { delete this; }

   private:
    grpc::ByteBuffer request_;
    grpc::ByteBuffer response_;
  };
};

// Starts an AnswerEverything receiver on 127.0.0.1; returns its port.
int StartReceiver() {
  auto* service = new AnswerEverything;
  int p = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                           &p);
  builder.RegisterCallbackGenericService(service);
  builder.BuildAndStart().release();  // lives until exit
  return p;
}

int ReceiverPort() {
  static const int port = StartReceiver();
  return port;
}

// The child process of (up_process): this program started again with
// TRACEPROP_BENCH_RECEIVER set. Before main, it moves to the CPUs its
// parent is not pinned to, starts a receiver, writes the port to stdout
// and serves until its stdin (the parent's pipe) closes, then exits.
const bool kIsReceiverProcess = [] {
  if (std::getenv("TRACEPROP_BENCH_RECEIVER") == nullptr) return false;
  cpu_set_t others;
  CPU_ZERO(&others);
  const long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  const int parent_cpu = std::atoi(std::getenv("TRACEPROP_BENCH_RECEIVER"));
  for (long i = 0; i < cpus && i < CPU_SETSIZE; ++i) {
    if (i != parent_cpu || cpus == 1) CPU_SET(i, &others);
  }
  sched_setaffinity(0, sizeof(others), &others);
  const std::string port = std::to_string(StartReceiver()) + "\n";
  if (write(1, port.data(), port.size()) != static_cast<ssize_t>(port.size()))
    _exit(1);
  char c;
  while (read(0, &c, 1) > 0) {
  }
  _exit(0);
}();

// ReceiverProcessPort starts the (up_process) child once and returns its
// port; the child exits when this process does (its stdin closes).
int ReceiverProcessPort() {
  static const int port = [] {
    int to_child[2], from_child[2];
    if (pipe(to_child) != 0 || pipe(from_child) != 0) std::abort();
    cpu_set_t mine;
    int pinned = -1;  // the one CPU this process runs on, if pinned
    if (sched_getaffinity(0, sizeof(mine), &mine) == 0 &&
        CPU_COUNT(&mine) == 1) {
      for (int i = 0; i < CPU_SETSIZE; ++i) {
        if (CPU_ISSET(i, &mine)) pinned = i;
      }
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, to_child[0], 0);
    posix_spawn_file_actions_adddup2(&actions, from_child[1], 1);
    posix_spawn_file_actions_addclose(&actions, to_child[1]);
    posix_spawn_file_actions_addclose(&actions, from_child[0]);
    std::vector<std::string> env_strings;
    for (char** e = environ; *e != nullptr; ++e) env_strings.emplace_back(*e);
    env_strings.push_back("TRACEPROP_BENCH_RECEIVER=" + std::to_string(pinned));
    std::vector<char*> env;
    for (std::string& e : env_strings) env.push_back(e.data());
    env.push_back(nullptr);
    // The path, not /proc/self/exe itself: under valgrind that link names
    // valgrind's tool, and readlink is answered with this program.
    char self[4096];
    const ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0) std::abort();
    self[n] = '\0';
    char* argv[] = {self, nullptr};
    pid_t child;
    if (posix_spawn(&child, self, &actions, nullptr, argv, env.data()) != 0)
      std::abort();
    posix_spawn_file_actions_destroy(&actions);
    close(to_child[0]);  // to_child[1] stays open until this process exits
    close(from_child[1]);
    std::string line;
    char c;
    while (read(from_child[0], &c, 1) == 1 && c != '\n') line += c;
    close(from_child[0]);
    const int p = std::atoi(line.c_str());
    if (p <= 0) std::abort();
    return p;
  }();
  return port;
}

const char* CollectorName(int c) {
  return c == kOff       ? "off"
         : c == kDiscard ? "discard"
         : c == kUp      ? "up"
         : c == kDown    ? "down"
         : c == kUpGzip  ? "up_gzip"
                         : "up_process";
}

const traceprop::BatchSpanProcessorOptions kBspFromEnv =
    traceprop::TracingConfigFromEnv().bsp;

void BM_UnaryExport(benchmark::State& state) {
  const auto c = static_cast<Collector>(state.range(0));
  grpc::Channel* channel = Get(kRecording).channel[kInProcess].get();
  const grpc::ByteBuffer req = Request();
  std::shared_ptr<traceprop::TracerProvider> provider;
  std::shared_ptr<const traceprop::OtlpExporterStats> stats;
  traceprop::BatchSpanProcessor* processor = nullptr;
  if (c != kOff) {
    std::unique_ptr<traceprop::SpanExporter> exporter;
    if (c == kDiscard) {
      exporter = std::make_unique<DiscardExporter>();
    } else {
      traceprop::OtlpGrpcExporterOptions o;
      o.endpoint =
          c == kDown ? "http://127.0.0.1:1"
          : c == kUpProcess
              ? absl::StrCat("http://127.0.0.1:", ReceiverProcessPort())
              : absl::StrCat("http://127.0.0.1:", ReceiverPort());
      o.gzip = c == kUpGzip;
      auto otlp = std::make_unique<traceprop::OtlpGrpcExporter>(o);
      stats = otlp->stats();
      exporter = std::move(otlp);
    }
    auto owned = std::make_unique<traceprop::BatchSpanProcessor>(
        std::move(exporter), kBspFromEnv);
    processor = owned.get();
    provider = std::make_shared<traceprop::TracerProvider>(
        traceprop::TracerProviderOptions{nullptr, std::move(owned)});
    traceprop::InstallTracerProvider(provider);
  }
  traceprop::ContextScope scope(traceprop::TraceContext::NewRoot());
  for (auto _ : state) Call(channel, req);
  if (provider != nullptr) {
    traceprop::InstallTracerProvider(nullptr);
    provider->Shutdown(absl::Seconds(1));  // cancels a stuck export
    const traceprop::BatchSpanProcessor::Stats s = processor->GetStats();
    state.counters["dropped"] = static_cast<double>(s.dropped);
    state.counters["exported"] =
        static_cast<double>(stats ? stats->exported_spans.load() : s.exported);
  }
  state.SetLabel(CollectorName(c));
}
BENCHMARK(BM_UnaryExport)
    ->ArgNames({"collector"})
    ->DenseRange(kOff, kUpProcess)
    ->UseRealTime();

// BM_UnaryFixed/export: BM_UnaryFixed/recording with the spans exported over
// OTLP/gRPC to the (up_process) receiver instead of discarded, flushed
// before the run ends. Under callgrind the receiver, another process, is
// not counted: the difference from "recording" is the exporter's own work
// per call (encoding, the gRPC client, its thread), as it is in
// production where the collector runs elsewhere.
const bool kFixedExportRegistered = [] {
  const char* calls = std::getenv("TRACEPROP_BENCH_FIXED_CALLS");
  if (calls == nullptr) return false;
  benchmark::RegisterBenchmark(
      "BM_UnaryFixed/export",
      [](benchmark::State& state) {
        grpc::Channel* channel = Get(kRecording).channel[kInProcess].get();
        const grpc::ByteBuffer req = Request();
        traceprop::OtlpGrpcExporterOptions o;
        o.endpoint = absl::StrCat("http://127.0.0.1:", ReceiverProcessPort());
        auto provider = std::make_shared<traceprop::TracerProvider>(
            traceprop::TracerProviderOptions{
                nullptr,
                std::make_unique<traceprop::BatchSpanProcessor>(
                    std::make_unique<traceprop::OtlpGrpcExporter>(o))});
        traceprop::InstallTracerProvider(provider);
        {
          traceprop::ContextScope scope(traceprop::TraceContext::NewRoot());
          for (auto _ : state) Call(channel, req, kRecording);
        }
        traceprop::InstallTracerProvider(nullptr);
        if (!provider->Shutdown(absl::Seconds(30)))
          state.SkipWithError("spans not exported in 30 s");
      })
      ->Iterations(std::atoi(calls))
      ->Repetitions(1);
  return true;
}();

// BM_OtlpEncode: what OtlpGrpcExporter does to a batch before sending it —
// 512 RPC spans (six attributes each) encoded as an
// ExportTraceServiceRequest — per span.
void BM_OtlpEncode(benchmark::State& state) {
  std::vector<std::unique_ptr<traceprop::SpanData>> batch;
  for (int i = 0; i < 512; ++i) {
    auto s = std::make_unique<traceprop::SpanData>();
    s->trace_id = traceprop::GenerateTraceId();
    s->span_id = traceprop::GenerateSpanId();
    s->parent_span_id = traceprop::GenerateSpanId();
    s->name = "bench.Echo/Unary";
    s->kind = traceprop::SpanKind::kServer;
    s->start_unix_nano = 1764633600000000000u + i;
    s->end_unix_nano = s->start_unix_nano + 12345;
    s->rpc.is_rpc = true;  // rpc.system, rpc.service, rpc.method
    s->rpc.grpc_status_code = 0;
    s->rpc.peer = "ipv4:10.1.2.3:50051";
    batch.push_back(std::move(s));
  }
  const std::vector<traceprop::Attribute> resource = {
      {"service.name", std::string("bench")}};
  for (auto _ : state) {
    traceprop::internal::EncodedRequest bytes =
        traceprop::internal::EncodeRequest(batch, resource);
    benchmark::DoNotOptimize(bytes.data.get());
  }
  state.SetItemsProcessed(state.iterations() * batch.size());
  state.counters["ns_per_span"] = benchmark::Counter(
      static_cast<double>(state.iterations() * batch.size()),
      benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_OtlpEncode);

}  // namespace
