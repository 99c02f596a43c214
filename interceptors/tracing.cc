#include "traceprop/interceptors/tracing.h"

#include <grpc/grpc.h>
#include <grpc/slice.h>
#include <grpc/support/log.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/support/interceptor.h>

#include <algorithm>
#include <atomic>
#include <optional>
#include <string>
#include <typeinfo>
#include <utility>

#include "absl/container/inlined_vector.h"
#include "absl/status/status.h"
#include "traceprop/context/current.h"
#include "traceprop/context/traceparent.h"
#include "traceprop/interceptors/internal/call_claims.h"
#include "traceprop/interceptors/internal/grpc_private.h"
#include "traceprop/interceptors/internal/metadata_carrier.h"
#include "traceprop/interceptors/internal/rpc_spans.h"
#include "traceprop/interceptors/internal/server_address.h"
#include "traceprop/interceptors/internal/server_setup_checks.h"
#include "traceprop/interceptors/internal/tsan_annotations.h"
#include "traceprop/spans/provider.h"

namespace traceprop {
namespace {

using grpc::experimental::ClientInterceptorFactoryInterface;
using grpc::experimental::ClientRpcInfo;
using grpc::experimental::InterceptionHookPoints;
using grpc::experimental::Interceptor;
using grpc::experimental::InterceptorBatchMethods;
using grpc::experimental::ServerInterceptorFactoryInterface;
using grpc::experimental::ServerRpcInfo;

constexpr char kTraceParent[] = "traceparent";
constexpr char kTraceState[] = "tracestate";
constexpr char kBaggage[] = "baggage";

// Plan is how an interceptor propagates: the W3C fast path (traceparent
// and tracestate by hand, as before pluggable propagators; baggage too
// when `baggage`), or a Propagator through a Carrier.
struct Plan {
  // propagator: null for the W3C fast path.
  std::shared_ptr<const Propagator> propagator;
  // baggage: fast path only, W3C Baggage is in the set too.
  bool baggage = false;
  // fields: the keys the propagator writes, removed before Inject.
  std::vector<std::string> fields;
};

Plan PlanFor(std::shared_ptr<const Propagator> propagator, bool from_env) {
  Plan plan;
  // Only the sets PropagatorsFromNames builds are known to be exactly W3C;
  // a user's Propagator always goes through its own Extract/Inject.
  if (from_env && (propagator->name() == "tracecontext" ||
                   propagator->name() == "tracecontext,baggage")) {
    plan.baggage = propagator->name() == "tracecontext,baggage";
    return plan;
  }
  plan.fields = propagator->Fields();
  plan.propagator = std::move(propagator);
  return plan;
}

// DefaultPlan is OTEL_PROPAGATORS, read once per process; unknown names
// are reported once through gpr_log.
const Plan& DefaultPlan() {
  static const Plan* plan = [] {
    std::string warnings;
    std::shared_ptr<const Propagator> p = PropagatorsFromEnv(&warnings);
    if (!warnings.empty()) {
      gpr_log(GPR_ERROR, "traceprop: OTEL_PROPAGATORS: %s", warnings.c_str());
    }
    return new Plan(PlanFor(std::move(p), /*from_env=*/true));
  }();
  return *plan;
}

Plan ResolvePlan(const std::shared_ptr<const Propagator>& propagator) {
  if (propagator == nullptr) return DefaultPlan();
  return PlanFor(propagator, /*from_env=*/false);
}

// Admit applies the trust boundary to incoming baggage: everything when
// the caller is trusted, else only members whose key is allowed.
Baggage Admit(Baggage baggage, const ServerOptions& options) {
  if (baggage.empty() || options.trust_incoming) return baggage;
  Baggage kept;
  for (const Baggage::Member& m : baggage.members()) {
    const auto& allowed = options.allowed_baggage_keys;
    if (std::find(allowed.begin(), allowed.end(), m.key) == allowed.end()) {
      continue;
    }
    absl::StatusOr<Baggage> added = kept.Set(m.key, m.value, m.properties);
    if (added.ok()) kept = *std::move(added);
  }
  return kept;
}

}  // namespace

// ServerHeaderCounting opens a ServerHeaderCounters to the interceptor.
class internal::ServerHeaderCounting {
 public:
  using Atomics = ServerHeaderCounters::Atomics;
  static Atomics& Of(ServerHeaderCounters& c) { return c.counts_; }
};

namespace {

using Counters = internal::ServerHeaderCounting::Atomics;
void Bump(std::atomic<uint64_t>& c) {
  c.fetch_add(1, std::memory_order_relaxed);
}

// ThreadSanitizer hand-off edges (no-ops without TSan; see
// internal/tsan_annotations.h). gRPC runs every interceptor for every batch
// twice: on the thread that starts the batch (pre-hooks, before gRPC takes
// the batch) and on the thread that completes it (post-hooks, before the
// application's tag, callback or handler sees the result). gRPC orders the
// two through its own (uninstrumented) synchronisation, and `methods` is
// the batch's own object (one per call operation set, one batch in flight
// at a time), so
//   - each hook acquires `methods` first: the completing thread sees what
//     the starting thread did up to its release (messages, metadata, the
//     application's objects),
//   - and releases it just before Proceed() hands the batch on.
// The interceptor releases itself when created and in every hook, and
// acquires itself in its destructor: gRPC destroys it after its last hook, on
// any thread. No edge is added between different batches of a client call, so
// races between concurrent operations of one call (a read and a write in
// flight) are still reported there. Completion-queue servers: after the
// post-hooks gRPC 1.51 re-queues the tag
// (CallOpSet::ContinueFinalizeResultAfterInterception) and another thread may
// dequeue it, so the server interceptor also releases the call's ServerContext
// in every hook, which a CqTag bound to that context acquires when it runs
// (cq_tag.h). That edge is per call, not per batch: for those tags, races
// between two operations of one call that happen to be ordered in time are not
// reported.
void AcquireBatch(InterceptorBatchMethods* methods) {
  internal::TsanAcquire(methods);
}
void ReleaseBatch(InterceptorBatchMethods* methods, const Interceptor* self,
                  const void* call = nullptr) {
  internal::TsanRelease(self);
  if (call != nullptr) internal::TsanRelease(call);
  internal::TsanRelease(methods);
}

// ---------------------------------------------------------------- client

// ServerAddressSource gives a channel's server address to its CLIENT spans:
// parsed from the target when the channel was made by CreateTracedChannel;
// otherwise asked of gRPC core (ChannelTarget), once for the first channel
// a per-channel factory serves, and per recorded call for any other channel
// (process-wide tracing serves every channel with one factory).
class ServerAddressSource {
 public:
  ServerAddressSource(std::optional<internal::ServerAddress> from_target,
                      bool per_channel)
      : from_target_(std::move(from_target)), per_channel_(per_channel) {}
  ~ServerAddressSource() { delete first_.load(); }
  ServerAddressSource(const ServerAddressSource&) = delete;
  ServerAddressSource& operator=(const ServerAddressSource&) = delete;

  // For returns the address for a call on `channel` (null: unknown), kept
  // by this source or, for a channel it does not keep, in `asked`.
  const internal::ServerAddress* For(
      grpc::ChannelInterface* channel,
      std::optional<internal::ServerAddress>& asked) const {
    if (from_target_) return &*from_target_;
    const Entry* first = first_.load(std::memory_order_acquire);
    if (first != nullptr && first->channel == channel)
      return first->address ? &*first->address : nullptr;
    asked = internal::ParseServerAddress(internal::ChannelTarget(channel));
    if (per_channel_ && first == nullptr) {
      auto* entry = new Entry{channel, asked};
      const Entry* expected = nullptr;
      if (!first_.compare_exchange_strong(expected, entry,
                                          std::memory_order_acq_rel)) {
        delete entry;  // another thread's, for the same channel, won
      }
    }
    return asked ? &*asked : nullptr;
  }

 private:
  struct Entry {
    grpc::ChannelInterface* channel;
    std::optional<internal::ServerAddress> address;
  };
  const std::optional<internal::ServerAddress> from_target_;
  const bool per_channel_;
  mutable std::atomic<const Entry*> first_{nullptr};
};

// InjectInto writes `call` into metadata that is about to be sent, by the
// plan. Ours wins over anything the application set (see tracing.h): the
// plan's keys are removed first, so one traceparent and at most one
// tracestate leave, and they describe the same context.
void InjectInto(const TraceContext& call, const Plan& plan,
                std::multimap<std::string, std::string>* md) {
  if (plan.propagator != nullptr) {
    internal::SendMetadataCarrier carrier(md);
    for (const std::string& field : plan.fields) carrier.Erase(field);
    plan.propagator->Inject(call, call.baggage(), &carrier);
    return;
  }
  const bool stale = !md->empty();  // usually none: skip the lookups
  if (stale) {
    md->erase(kTraceParent);
    md->erase(kTraceState);
  }
  char traceparent[kTraceParentSize];
  FormatTraceParentTo(call.trace_id(), call.span_id(), call.flags(),
                      traceparent);
  md->emplace(std::piecewise_construct, std::forward_as_tuple(kTraceParent),
              std::forward_as_tuple(traceparent, kTraceParentSize));
  if (!call.trace_state().empty()) {
    // TraceState only holds members that passed the grammar, so the value
    // is valid metadata (printable ASCII).
    std::string tracestate = call.trace_state().ToHeader();
    if (!tracestate.empty()) md->emplace(kTraceState, std::move(tracestate));
  }
  if (plan.baggage) {
    if (stale) md->erase(kBaggage);
    if (!call.baggage().empty()) {
      std::string baggage = call.baggage().ToHeader();
      if (!baggage.empty()) md->emplace(kBaggage, std::move(baggage));
    }
  }
}

// ClientInterceptor is a call's interceptor when there is more to do than
// write its headers: a CLIENT span to end at its status, or application
// interceptors before ours that may set headers of their own at send time.
class ClientInterceptor final : public Interceptor {
 public:
  // `call` is the call's context; `server` gives server.address/port to a
  // recorded span.
  ClientInterceptor(TraceContext call, bool record, ClientRpcInfo* info,
                    const Plan* plan, const ServerAddressSource& server)
      : call_(std::move(call)), info_(info), plan_(plan) {
    if (record) {
      std::optional<internal::ServerAddress> asked;
      span_.StartClient(call_, info->method(),
                        server.For(info->channel(), asked));
    }
    internal::TsanRelease(this);
  }
  ~ClientInterceptor() override { internal::TsanAcquire(this); }

  void Intercept(InterceptorBatchMethods* methods) override {
    AcquireBatch(methods);
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::PRE_SEND_INITIAL_METADATA)) {
      std::multimap<std::string, std::string>* md =
          methods->GetSendInitialMetadata();
      if (md != nullptr) InjectInto(call_, *plan_, md);
    }
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::POST_RECV_STATUS)) {
      grpc::Status* status = methods->GetRecvStatus();
      if (status != nullptr) span_.EndClient(*status, info_->client_context());
    }
    ReleaseBatch(methods, this);
    methods->Proceed();
  }

 private:
  const TraceContext call_;
  ClientRpcInfo* const info_;  // gRPC's, outlives the interceptor
  const Plan* const plan_;     // the factory's, outlives the call
  internal::RpcSpan span_;     // the CLIENT span; ends at status or here
};

class ClientFactory final : public ClientInterceptorFactoryInterface {
 public:
  // per_channel: the factory serves one channel (all but the process-wide
  // one); `target`, when known, gives CLIENT spans server.address/port.
  ClientFactory(ClientOptions options, bool per_channel,
                std::optional<std::string> target = std::nullopt)
      : options_(std::move(options)),
        plan_(ResolvePlan(options_.propagator)),
        server_(target ? internal::ParseServerAddress(*target) : std::nullopt,
                per_channel) {}

  // Runs on the calling thread, when the call object is created, before
  // gRPC reads the ClientContext's metadata.
  Interceptor* CreateClientInterceptor(ClientRpcInfo* info) override {
    // This channel decides for the call, not EnableGlobalClientTracing.
    internal::ClaimCall(info);
    const TraceContext& current = Current();
    if (!current.IsValid() && !options_.start_root_when_no_context)
      return nullptr;
    // The call's context: a child of `current` (or a new root) that
    // carries current's baggage, also when it starts a root.
    TraceContext call = internal::NewCallContext(
        current, options_.root_sampled, info->method(), SpanKind::kClient);
    if (!current.baggage().empty() && call.baggage() != current.baggage())
      call = call.WithBaggage(current.baggage());
    const bool record = call.sampled() && InstalledTracerProvider() != nullptr;
    grpc::ClientContext* ctx = info->client_context();
    if (!record && ctx != nullptr && internal::InterceptorCountOf(*info) == 0) {
      // Nothing to watch after the headers, and no interceptor before ours
      // to add headers at send time: write them into the ClientContext now
      // and spare the call gRPC's interceptor machinery (~3k instructions).
      InjectInto(call, plan_, &internal::SendInitialMetadataOf(*ctx));
      return nullptr;
    }
    return new ClientInterceptor(std::move(call), record, info, &plan_,
                                 server_);
  }

 private:
  const ClientOptions options_;
  const Plan plan_;
  const ServerAddressSource server_;
};

// ---------------------------------------------------------------- server

absl::string_view SliceView(const grpc_slice& s) {
  return absl::string_view(
      reinterpret_cast<const char*>(GRPC_SLICE_START_PTR(s)),
      GRPC_SLICE_LENGTH(s));
}

// W3CHeaders is what the W3C fast path reads of a call's received metadata
// (keys arrive lowercase: gRPC lowercases them). Values of one key keep
// their order of arrival.
struct W3CHeaders {
  void Add(absl::string_view key, absl::string_view value) {
    if (key == absl::string_view(kTraceParent, sizeof(kTraceParent) - 1)) {
      traceparent = value;
      ++traceparents;
    } else if (key == absl::string_view(kTraceState, sizeof(kTraceState) - 1)) {
      tracestates.push_back(value);
    } else if (key == absl::string_view(kBaggage, sizeof(kBaggage) - 1)) {
      baggage.push_back(value);
    }
  }
  absl::string_view traceparent;  // the last one: meaningful when only one
  size_t traceparents = 0;
  absl::InlinedVector<absl::string_view, 2> tracestates;
  absl::InlinedVector<absl::string_view, 2> baggage;
};

// CallSpans is what the server interceptor knows about one call: built
// once the call's metadata is read, before ready() is true, immutable
// afterwards. The server span continues `incoming` when `continued`, else
// it starts a new root (incoming invalid, or not trusted).
struct CallSpans {
  CallSpans(TraceContext in, bool continued, bool root_sampled,
            const char* method)
      : incoming(std::move(in)),
        server_span(internal::NewCallContext(
            continued ? incoming : internal::kNoContext, root_sampled, method,
            SpanKind::kServer)) {}
  TraceContext incoming;
  TraceContext server_span;
};

class ServerInterceptor final : public Interceptor {
 public:
  ServerInterceptor(const grpc::ServerContextBase* ctx,
                    const ServerOptions* options, const Plan* plan,
                    const char* method)
      : ctx_(ctx), options_(options), plan_(plan), method_(method) {
    internal::TsanRelease(this);
  }

  ~ServerInterceptor() override { internal::TsanAcquire(this); }

  // ready: spans() is set (the call's initial metadata has been read).
  bool ready() const { return ready_.load(std::memory_order_acquire); }
  const CallSpans& spans() const { return *spans_; }

  void Intercept(InterceptorBatchMethods* methods) override {
    AcquireBatch(methods);
    if (!ready_.load(std::memory_order_relaxed) &&
        methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::POST_RECV_INITIAL_METADATA)) {
      StartCall(methods);
      return;
    }
    // Only a recording span needs the status (gRPC builds it on request).
    if (span_.IsRecording() && methods->QueryInterceptionHookPoint(
                                   InterceptionHookPoints::PRE_SEND_STATUS)) {
      span_.EndServer(methods->GetSendStatus());
    }
    ReleaseBatch(methods, this, ctx_);
    methods->Proceed();
  }

 private:
  // StartCall reads the call's metadata, starts the server span and runs
  // the rest of the batch in its scope.
  void StartCall(InterceptorBatchMethods* methods) {
    Extract(methods);
    span_.StartServer(spans_->server_span, spans_->incoming, method_, ctx_);
    ready_.store(true, std::memory_order_release);
    // In the sync and callback APIs gRPC 1.51 calls the method handler
    // from inside this Proceed() (the last step of the reverse-order
    // POST_RECV_INITIAL_METADATA chain): the handler runs in this scope,
    // and the thread's previous context is back when Proceed returns.
    // For completion-queue servers Proceed only re-queues the tag.
    // spans_ outlives the Proceed() call: the slot points at it, no copy.
    internal::SlotGuard scope(&spans_->server_span);
    ReleaseBatch(methods, this, ctx_);
    methods->Proceed();
  }

  // Count is the factory's counters (ServerOptions::header_counters).
  Counters& Count() const {
    return internal::ServerHeaderCounting::Of(*options_->header_counters);
  }

  // Extract sets spans_ from the incoming metadata, by the plan, and
  // attaches the admitted baggage to the server span.
  void Extract(InterceptorBatchMethods* methods) {
    Counters& counters = Count();
    Bump(counters.calls);
    Baggage baggage;
    if (plan_->propagator != nullptr) {
      ExtractWith(*plan_->propagator, methods->GetRecvInitialMetadata(),
                  &baggage);
    } else {
      W3CHeaders headers;
      if (const grpc_metadata_array* arr =
              internal::UnmappedRecvInitialMetadata(methods)) {
        for (size_t i = 0; i < arr->count; ++i) {
          headers.Add(SliceView(arr->metadata[i].key),
                      SliceView(arr->metadata[i].value));
        }
      } else if (const auto* md = methods->GetRecvInitialMetadata()) {
        for (const auto& [key, value] : *md) {
          headers.Add(absl::string_view(key.data(), key.size()),
                      absl::string_view(value.data(), value.size()));
        }
      }
      ExtractW3C(headers);
      if (plan_->baggage && !headers.baggage.empty()) {
        Baggage::ParseStats stats;
        baggage = Baggage::Parse(headers.baggage, &stats);
        if (stats.invalid_members > 0) Bump(counters.malformed_headers);
      }
    }
    if (baggage.empty()) return;
    const size_t received = baggage.size();
    baggage = Admit(std::move(baggage), *options_);
    if (baggage.size() < received) Bump(counters.dropped_baggage);
    if (!baggage.empty()) {
      spans_->server_span = spans_->server_span.WithBaggage(std::move(baggage));
    }
  }

  // ExtractWith reads the configured formats (first valid context wins).
  void ExtractWith(const Propagator& propagator,
                   std::multimap<grpc::string_ref, grpc::string_ref>* md,
                   Baggage* baggage) {
    Counters& counters = Count();
    Extracted in;
    internal::ReceivedMetadataCarrier carrier(md);
    propagator.Extract(carrier, &in);
    for (int i = 0; i < in.invalid; ++i) Bump(counters.malformed_headers);
    *baggage = std::move(in.baggage);
    if (in.context.IsValid()) {
      Bump(options_->trust_incoming ? counters.continued : counters.untrusted);
      spans_.emplace(std::move(in.context), options_->trust_incoming,
                     options_->root_sampled, method_);
      return;
    }
    // No valid context in any configured format: a new root.
    Bump(in.invalid > 0 ? counters.invalid_traceparent
                        : counters.missing_traceparent);
    spans_.emplace(TraceContext(), false, options_->root_sampled, method_);
    // A sampling decision sent without ids (B3 `b3: 0`, `x-b3-sampled: 1`)
    // is the new root's sampled flag, from a trusted caller.
    if (in.sampled.has_value() && options_->trust_incoming) {
      spans_->server_span = spans_->server_span.WithFlags(
          spans_->server_span.flags().WithSampled(*in.sampled));
    }
  }

  // ExtractW3C is the fast path for traceparent and tracestate alone.
  void ExtractW3C(const W3CHeaders& headers) {
    Counters& counters = Count();
    const size_t traceparents = headers.traceparents;
    const absl::string_view traceparent = headers.traceparent;
    const auto& tracestates = headers.tracestates;
    if (traceparents == 1) {
      // TraceContext::FromHeaders' steps, building the context in place:
      // 53 instructions less per call (bench/callgrind_per_call.py).
      absl::StatusOr<TraceParent> parent = ParseTraceParent(traceparent);
      if (parent.ok()) {
        TraceState state;
        if (!tracestates.empty()) {
          absl::StatusOr<TraceState> parsed = TraceState::Parse(tracestates);
          if (parsed.ok()) {
            state = *std::move(parsed);
          } else {
            Bump(counters.invalid_tracestate);
          }
        }
        Bump(options_->trust_incoming ? counters.continued
                                      : counters.untrusted);
        spans_.emplace(TraceContext(parent->trace_id, parent->parent_id,
                                    parent->flags, std::move(state), SpanId(),
                                    /*remote=*/true),
                       options_->trust_incoming, options_->root_sampled,
                       method_);
        return;
      }
      Bump(counters.invalid_traceparent);
      Bump(counters.malformed_headers);
    } else if (traceparents == 0) {
      Bump(counters.missing_traceparent);
    } else {
      Bump(counters.multiple_traceparent);
      Bump(counters.malformed_headers);
    }
    spans_.emplace(TraceContext(), false, options_->root_sampled, method_);
  }

  const grpc::ServerContextBase* const ctx_;
  const ServerOptions* const options_;  // owned by the factory
  const Plan* const plan_;              // owned by the factory
  const char* const method_;            // gRPC's, outlives the call
  std::optional<CallSpans> spans_;      // set by Extract
  internal::RpcSpan span_;  // the SERVER span; ends at status or here
  std::atomic<bool> ready_{false};
};

// FindServerInterceptor returns traceprop's interceptor of the call `ctx`
// once it has read the call's metadata, else null. gRPC keeps a call's
// interceptors as long as its ServerContext: no table, no lock.
const ServerInterceptor* FindServerInterceptor(
    const grpc::ServerContextBase& ctx) {
  for (const auto& i : internal::InterceptorsOf(ctx)) {
    if (typeid(*i) != typeid(ServerInterceptor)) continue;
    const auto* ours = static_cast<const ServerInterceptor*>(i.get());
    if (!ours->ready()) return nullptr;
    // The hooks release ctx after writing spans (TSan: gRPC's hand-off to
    // a completion-queue thread is not instrumented).
    internal::TsanAcquire(&ctx);
    return ours;
  }
  return nullptr;
}

// WithCounters gives `options` counters of its own when it has none, so
// that the interceptor counts without a null check.
ServerOptions WithCounters(ServerOptions options) {
  if (options.header_counters == nullptr) {
    options.header_counters = std::make_shared<ServerHeaderCounters>();
  }
  return options;
}

class ServerFactory final : public ServerInterceptorFactoryInterface {
 public:
  explicit ServerFactory(ServerOptions options)
      : options_(WithCounters(std::move(options))),
        plan_(ResolvePlan(options_.propagator)) {}

  Interceptor* CreateServerInterceptor(ServerRpcInfo* info) override {
    if (options_.method_filter) {
      const char* method = info->method();
      if (!options_.method_filter(method != nullptr ? absl::string_view(method)
                                                    : absl::string_view())) {
        return nullptr;
      }
    }
    return new ServerInterceptor(info->server_context(), &options_, &plan_,
                                 info->method());
  }

 private:
  const ServerOptions options_;
  const Plan plan_;
};

}  // namespace

std::unique_ptr<ClientInterceptorFactoryInterface> MakeClientInterceptorFactory(
    ClientOptions options) {
  return std::make_unique<ClientFactory>(std::move(options),
                                         /*per_channel=*/true);
}

std::unique_ptr<ServerInterceptorFactoryInterface> MakeServerInterceptorFactory(
    ServerOptions options) {
  return std::make_unique<ServerFactory>(std::move(options));
}

std::shared_ptr<grpc::Channel> CreateTracedChannel(
    const std::string& target,
    const std::shared_ptr<grpc::ChannelCredentials>& creds,
    const grpc::ChannelArguments& args, ClientOptions options,
    std::vector<std::unique_ptr<ClientInterceptorFactoryInterface>> more) {
  std::vector<std::unique_ptr<ClientInterceptorFactoryInterface>> list;
  list.reserve(more.size() + 1);
  list.push_back(std::make_unique<ClientFactory>(std::move(options),
                                                 /*per_channel=*/true, target));
  for (auto& f : more) list.push_back(std::move(f));
  return grpc::experimental::CreateCustomChannelWithInterceptors(
      target, creds, args, std::move(list));
}

void EnableTracing(
    grpc::ServerBuilder& builder, ServerOptions options,
    std::vector<std::unique_ptr<ServerInterceptorFactoryInterface>> more) {
  internal::InstallServerInterceptors(
      builder,
      [options = std::move(options)] {
        return MakeServerInterceptorFactory(options);
      },
      std::move(more));
}

namespace internal {
std::unique_ptr<ClientInterceptorFactoryInterface>
MakeSharedClientInterceptorFactory(ClientOptions options) {
  return std::make_unique<ClientFactory>(std::move(options),
                                         /*per_channel=*/false);
}

bool IsTracingFactory(const ServerInterceptorFactoryInterface* f) {
  return dynamic_cast<const ServerFactory*>(f) != nullptr;
}
}  // namespace internal

TraceContext ServerSpan(const grpc::ServerContextBase& ctx) {
  const ServerInterceptor* ours = FindServerInterceptor(ctx);
  return ours != nullptr ? ours->spans().server_span : TraceContext();
}

TraceContext IncomingContext(const grpc::ServerContextBase& ctx) {
  const ServerInterceptor* ours = FindServerInterceptor(ctx);
  return ours != nullptr ? ours->spans().incoming : TraceContext();
}

ServerHeaderStats ServerHeaderCounters::Snapshot() const {
  const Atomics& c = counts_;
  ServerHeaderStats s;
  s.calls = c.calls.load(std::memory_order_relaxed);
  s.continued = c.continued.load(std::memory_order_relaxed);
  s.missing_traceparent = c.missing_traceparent.load(std::memory_order_relaxed);
  s.invalid_traceparent = c.invalid_traceparent.load(std::memory_order_relaxed);
  s.multiple_traceparent =
      c.multiple_traceparent.load(std::memory_order_relaxed);
  s.invalid_tracestate = c.invalid_tracestate.load(std::memory_order_relaxed);
  s.untrusted = c.untrusted.load(std::memory_order_relaxed);
  s.malformed_headers = c.malformed_headers.load(std::memory_order_relaxed);
  s.dropped_baggage = c.dropped_baggage.load(std::memory_order_relaxed);
  return s;
}

}  // namespace traceprop
