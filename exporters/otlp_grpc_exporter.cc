#include "traceprop/exporters/otlp_grpc_exporter.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/wire_format_lite.h>
#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/impl/client_unary_call.h>
#include <grpcpp/impl/codegen/proto_utils.h>
#include <grpcpp/impl/rpc_method.h>
#include <grpcpp/security/credentials.h>

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <optional>
#include <random>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "traceprop/exporters/internal/otlp_proto.h"
#include "traceprop/exporters/proto/trace_service.pb.h"

namespace traceprop {
namespace {

namespace collector = opentelemetry::proto::collector::trace::v1;
using google::protobuf::io::CodedInputStream;
using google::protobuf::internal::WireFormatLite;

constexpr absl::Duration kWarningInterval = absl::Seconds(10);
constexpr char kExportMethod[] =
    "/opentelemetry.proto.collector.trace.v1.TraceService/Export";

// Text from the network, made safe for a log line.
std::string Printable(absl::string_view s) {
  constexpr size_t kMax = 200;
  std::string out = absl::CHexEscape(s.substr(0, kMax));
  if (s.size() > kMax) out += "...";
  return out;
}

bool ValidHeaderKey(absl::string_view k) {
  if (k.empty() || absl::StartsWith(k, "grpc-") || k[0] == ':') return false;
  for (char c : k) {
    if (!(absl::ascii_islower(c) || absl::ascii_isdigit(c) || c == '-' ||
          c == '_' || c == '.'))
      return false;
  }
  return true;
}

bool ValidHeaderValue(absl::string_view v) {
  for (char c : v) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

// The codes OTLP/gRPC says are retryable. RESOURCE_EXHAUSTED only when
// the receiver said when to retry (RetryInfo).
bool Retryable(grpc::StatusCode code, bool has_retry_info) {
  switch (code) {
    case grpc::StatusCode::CANCELLED:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
    case grpc::StatusCode::ABORTED:
    case grpc::StatusCode::OUT_OF_RANGE:
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::DATA_LOSS:
      return true;
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return has_retry_info;
    default:
      return false;
  }
}

// Reads the length-delimited field at the stream's position into `out`.
bool ReadBytes(CodedInputStream& in, std::string* out) {
  uint32_t size;
  return in.ReadVarint32(&size) && in.ReadString(out, static_cast<int>(size));
}

// RetryDelay finds a google.rpc.RetryInfo in the serialized google.rpc.Status
// of `status.error_details()` (Status.details = 3, Any.type_url = 1,
// Any.value = 2, RetryInfo.retry_delay = 1, Duration.seconds = 1,
// Duration.nanos = 2). Malformed input gives nullopt.
std::optional<absl::Duration> RetryDelay(const grpc::Status& status) {
  const std::string& details = status.error_details();
  if (details.empty()) return std::nullopt;
  CodedInputStream in(reinterpret_cast<const uint8_t*>(details.data()),
                      static_cast<int>(details.size()));
  while (uint32_t tag = in.ReadTag()) {
    if (tag != WireFormatLite::MakeTag(
                   3, WireFormatLite::WIRETYPE_LENGTH_DELIMITED)) {
      if (!WireFormatLite::SkipField(&in, tag)) return std::nullopt;
      continue;
    }
    std::string any;
    if (!ReadBytes(in, &any)) return std::nullopt;
    CodedInputStream a(reinterpret_cast<const uint8_t*>(any.data()),
                       static_cast<int>(any.size()));
    std::string type_url, value;
    while (uint32_t t = a.ReadTag()) {
      if (t == WireFormatLite::MakeTag(
                   1, WireFormatLite::WIRETYPE_LENGTH_DELIMITED)) {
        if (!ReadBytes(a, &type_url)) return std::nullopt;
      } else if (t == WireFormatLite::MakeTag(
                          2, WireFormatLite::WIRETYPE_LENGTH_DELIMITED)) {
        if (!ReadBytes(a, &value)) return std::nullopt;
      } else if (!WireFormatLite::SkipField(&a, t)) {
        return std::nullopt;
      }
    }
    if (!absl::EndsWith(type_url, "/google.rpc.RetryInfo")) continue;
    CodedInputStream r(reinterpret_cast<const uint8_t*>(value.data()),
                       static_cast<int>(value.size()));
    std::string duration;
    while (uint32_t t = r.ReadTag()) {
      if (t == WireFormatLite::MakeTag(
                   1, WireFormatLite::WIRETYPE_LENGTH_DELIMITED)) {
        if (!ReadBytes(r, &duration)) return std::nullopt;
      } else if (!WireFormatLite::SkipField(&r, t)) {
        return std::nullopt;
      }
    }
    CodedInputStream d(reinterpret_cast<const uint8_t*>(duration.data()),
                       static_cast<int>(duration.size()));
    uint64_t seconds = 0, nanos = 0;
    while (uint32_t t = d.ReadTag()) {
      if (t == WireFormatLite::MakeTag(1, WireFormatLite::WIRETYPE_VARINT)) {
        if (!d.ReadVarint64(&seconds)) return std::nullopt;
      } else if (t == WireFormatLite::MakeTag(
                          2, WireFormatLite::WIRETYPE_VARINT)) {
        if (!d.ReadVarint64(&nanos)) return std::nullopt;
      } else if (!WireFormatLite::SkipField(&d, t)) {
        return std::nullopt;
      }
    }
    const auto s = static_cast<int64_t>(seconds);
    const auto n = static_cast<int64_t>(nanos);
    if (s < 0 || n < 0 || s > 3600 || n >= 1000000000) return std::nullopt;
    return absl::Seconds(s) + absl::Nanoseconds(n);
  }
  return std::nullopt;
}

}  // namespace

struct OtlpGrpcExporter::Impl {
  OtlpGrpcExporterOptions options;
  std::string target;  // for log lines
  std::shared_ptr<grpc::Channel> channel;
  // TraceService/Export, called as the generated stub calls it, with the
  // request already encoded (internal/otlp_proto.h).
  std::unique_ptr<grpc::internal::RpcMethod> export_method;
  std::vector<std::pair<std::string, std::string>> headers;
  std::mt19937_64 rng{std::random_device{}()};  // export thread only
  absl::Time last_warning = absl::InfinitePast();  // export thread only

  std::mutex mu;
  std::condition_variable cv;
  bool shut_down = false;  // guarded by mu
  // The attempt in flight, for Cancel's TryCancel; guarded by mu, set and
  // cleared by the export thread around the RPC.
  grpc::ClientContext* active = nullptr;

  void Warn(const std::string& line) {
    const absl::Time now = absl::Now();
    if (now - last_warning < kWarningInterval) return;
    last_warning = now;
    std::fprintf(stderr, "traceprop: OTLP export to %s: %s\n", target.c_str(),
                 line.c_str());
  }
  // Waits `delay` unless Shutdown comes first; false after Shutdown.
  bool Wait(absl::Duration delay) {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait_for(lock, absl::ToChronoNanoseconds(delay),
                [&] { return shut_down; });
    return !shut_down;
  }
  bool IsShutDown() {
    std::lock_guard<std::mutex> lock(mu);
    return shut_down;
  }
  // Publishes `ctx` as the attempt in flight (null: none); false (and
  // nothing published) after Shutdown/Cancel.
  bool SetActive(grpc::ClientContext* ctx) {
    std::lock_guard<std::mutex> lock(mu);
    if (ctx != nullptr && shut_down) return false;
    active = ctx;
    return true;
  }
};

std::pair<std::string, bool> OtlpGrpcExporter::GrpcTarget(
    const std::string& endpoint, bool insecure) {
  absl::string_view e = absl::StripAsciiWhitespace(endpoint);
  bool plaintext = insecure;
  bool had_scheme = false;
  if (absl::StartsWithIgnoreCase(e, "http://")) {
    e.remove_prefix(7);
    plaintext = true;
    had_scheme = true;
  } else if (absl::StartsWithIgnoreCase(e, "https://")) {
    e.remove_prefix(8);
    plaintext = false;
    had_scheme = true;
  }
  if (had_scheme) {
    size_t slash = e.find('/');
    if (slash != absl::string_view::npos) e = e.substr(0, slash);
  }
  return {std::string(e), plaintext};
}

OtlpGrpcExporter::OtlpGrpcExporter(OtlpGrpcExporterOptions options)
    : impl_(std::make_unique<Impl>()),
      stats_(std::make_shared<OtlpExporterStats>()) {
  Impl& m = *impl_;
  m.options = std::move(options);
  OtlpGrpcExporterOptions& o = m.options;
  if (o.max_attempts < 1) o.max_attempts = 1;
  if (o.timeout <= absl::ZeroDuration() || o.timeout == absl::InfiniteDuration())
    o.timeout = absl::Seconds(10);
  if (!(o.backoff_multiplier >= 1.0)) o.backoff_multiplier = 1.0;
  if (o.initial_backoff < absl::ZeroDuration())
    o.initial_backoff = absl::ZeroDuration();
  if (o.max_backoff < o.initial_backoff) o.max_backoff = o.initial_backoff;
  for (auto& [key, value] : o.headers) {
    std::string k = absl::AsciiStrToLower(key);
    if (ValidHeaderKey(k) && ValidHeaderValue(value)) {
      m.headers.emplace_back(std::move(k), value);
    } else {
      // The key is ours to print when it is valid; a value never is.
      std::fprintf(stderr,
                   "traceprop: OTLP exporter: header %s dropped (invalid key "
                   "or value)\n",
                   ValidHeaderKey(k) ? k.c_str() : "(invalid key)");
    }
  }
  std::shared_ptr<grpc::Channel> channel = o.channel;
  if (channel) {
    m.target = "(channel)";
  } else {
    auto [target, plaintext] = GrpcTarget(o.endpoint, o.insecure);
    m.target = Printable(target);
    std::shared_ptr<grpc::ChannelCredentials> creds;
    if (plaintext) {
      creds = grpc::InsecureChannelCredentials();
    } else {
      grpc::SslCredentialsOptions ssl;
      ssl.pem_root_certs = o.root_certificates;
      if (!o.client_key.empty() && !o.client_certificate.empty()) {
        ssl.pem_private_key = o.client_key;
        ssl.pem_cert_chain = o.client_certificate;
      }
      creds = grpc::SslCredentials(ssl);
    }
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_ENABLE_RETRIES, 0);  // we retry, with our policy
    channel = grpc::CreateCustomChannel(target, creds, args);
  }
  m.channel = channel;
  m.export_method = std::make_unique<grpc::internal::RpcMethod>(
      kExportMethod, grpc::internal::RpcMethod::NORMAL_RPC, channel);
}

OtlpGrpcExporter::~OtlpGrpcExporter() = default;

void OtlpGrpcExporter::Shutdown() { Cancel(); }

void OtlpGrpcExporter::Cancel() {
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->shut_down = true;
    // Under mu: the export thread clears `active` (under mu) before its
    // ClientContext goes away.
    if (impl_->active != nullptr) impl_->active->TryCancel();
  }
  impl_->cv.notify_all();
}

ExportResult OtlpGrpcExporter::Export(
    const std::vector<std::unique_ptr<SpanData>>& batch) {
  Impl& m = *impl_;
  OtlpExporterStats& stats = *stats_;
  const uint64_t n = batch.size();
  if (n == 0) return ExportResult::kSuccess;
  if (m.IsShutDown()) {
    stats.failed_spans.fetch_add(n, std::memory_order_relaxed);
    return ExportResult::kFailure;
  }
  // The slice owns the encoded bytes: no copy, and every attempt sends them.
  internal::EncodedRequest encoded =
      internal::EncodeRequest(batch, m.options.resource);
  const size_t size = encoded.size;
  char* bytes = encoded.data.release();
  grpc::Slice slice(
      bytes, size, [](void* b) { delete[] static_cast<char*>(b); }, bytes);
  const grpc::ByteBuffer request(&slice, 1);
  const absl::Time deadline = absl::Now() + m.options.timeout;
  grpc::Status status;
  for (int attempt = 1;; ++attempt) {
    grpc::ClientContext ctx;
    ctx.set_deadline(absl::ToChronoTime(deadline));
    if (m.options.gzip) ctx.set_compression_algorithm(GRPC_COMPRESS_GZIP);
    for (const auto& [k, v] : m.headers) ctx.AddMetadata(k, v);
    collector::ExportTraceServiceResponse response;
    if (!m.SetActive(&ctx)) {  // cancelled between attempts
      status = grpc::Status(grpc::StatusCode::CANCELLED, "exporter cancelled");
      break;
    }
    stats.attempts.fetch_add(1, std::memory_order_relaxed);
    if (attempt > 1) stats.retries.fetch_add(1, std::memory_order_relaxed);
    status = grpc::internal::BlockingUnaryCall<
        grpc::ByteBuffer, collector::ExportTraceServiceResponse>(
        m.channel.get(), *m.export_method, &ctx, request, &response);
    m.SetActive(nullptr);
    if (status.ok()) {
      uint64_t rejected = 0;
      if (response.has_partial_success()) {
        const auto& p = response.partial_success();
        stats.partial_successes.fetch_add(1, std::memory_order_relaxed);
        if (p.rejected_spans() > 0) {
          rejected = std::min<uint64_t>(static_cast<uint64_t>(p.rejected_spans()), n);
          stats.rejected_spans.fetch_add(rejected, std::memory_order_relaxed);
        }
        if (rejected > 0 || !p.error_message().empty()) {
          m.Warn("receiver rejected " + std::to_string(rejected) + " of " +
                 std::to_string(n) + " spans: " + Printable(p.error_message()));
        }
      }
      stats.exported_spans.fetch_add(n - rejected, std::memory_order_relaxed);
      return ExportResult::kSuccess;
    }
    const std::optional<absl::Duration> retry_info = RetryDelay(status);
    if (!Retryable(status.error_code(), retry_info.has_value()) ||
        attempt >= m.options.max_attempts) {
      break;
    }
    absl::Duration delay;
    if (retry_info) {
      delay = *retry_info;
    } else {
      absl::Duration backoff = m.options.initial_backoff;
      for (int i = 1; i < attempt && backoff < m.options.max_backoff; ++i)
        backoff = backoff * m.options.backoff_multiplier;
      backoff = std::min(backoff, m.options.max_backoff);
      std::uniform_real_distribution<double> jitter(0.5, 1.5);
      delay = backoff * jitter(m.rng);
    }
    if (absl::Now() + delay >= deadline) break;
    if (!m.Wait(delay)) break;
  }
  stats.failed_spans.fetch_add(n, std::memory_order_relaxed);
  m.Warn("failed: " + std::to_string(status.error_code()) + " " +
         Printable(status.error_message()) + " (" + std::to_string(n) +
         " spans lost)");
  return ExportResult::kFailure;
}

}  // namespace traceprop
