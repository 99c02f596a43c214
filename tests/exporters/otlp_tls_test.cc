// The OTLP/gRPC exporter over TLS and mutual TLS, against an in-process
// receiver with the test certificates of tls_test_certs.h: the right root
// gets spans through, the wrong or a garbage one does not (and never
// crashes), a receiver that requires a client certificate takes only an
// exporter that has one, and OTEL_EXPORTER_OTLP_CERTIFICATE /
// _CLIENT_KEY / _CLIENT_CERTIFICATE reach the channel.

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "traceprop/exporters/env_config.h"
#include "traceprop/exporters/otlp_grpc_exporter.h"
#include "traceprop/spans/provider.h"
#include "traceprop/tests/exporters/otlp_test_receiver.h"
#include "traceprop/tests/exporters/tls_test_certs.h"

namespace traceprop {
namespace {

using testing_support::kTestCaPem;
using testing_support::kTestClientCertPem;
using testing_support::kTestClientKeyPem;
using testing_support::kTestServerCertPem;
using testing_support::kTestServerKeyPem;
using testing_support::OtlpTestReceiver;

std::shared_ptr<grpc::ServerCredentials> ServerTls(bool require_client_cert) {
  grpc::SslServerCredentialsOptions o(
      require_client_cert
          ? GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY
          : GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
  if (require_client_cert) o.pem_root_certs = kTestCaPem;
  o.pem_key_cert_pairs.push_back({kTestServerKeyPem, kTestServerCertPem});
  return grpc::SslServerCredentials(o);
}

std::vector<std::unique_ptr<SpanData>> OneSpan(const std::string& name) {
  auto s = std::make_unique<SpanData>();
  s->trace_id = *TraceId::FromHex("0af7651916cd43dd8448eb211c80319c");
  s->span_id = *SpanId::FromHex("b7ad6b7169203331");
  s->name = name;
  std::vector<std::unique_ptr<SpanData>> batch;
  batch.push_back(std::move(s));
  return batch;
}

// One attempt, bounded: a refused handshake fails at once, and a success
// has ample time even under a sanitizer.
OtlpGrpcExporterOptions Options(const std::string& endpoint) {
  OtlpGrpcExporterOptions o;
  o.endpoint = endpoint;
  o.timeout = absl::Seconds(20);
  o.max_attempts = 1;
  return o;
}

TEST(OtlpTls, TheReceiversRootGetsSpansThrough) {
  OtlpTestReceiver receiver(ServerTls(false));
  ASSERT_EQ(receiver.endpoint().rfind("https://", 0), 0u);
  OtlpGrpcExporterOptions o = Options(receiver.endpoint());
  o.root_certificates = kTestCaPem;
  OtlpGrpcExporter exporter(o);
  EXPECT_EQ(exporter.Export(OneSpan("over-tls")), ExportResult::kSuccess);
  ASSERT_EQ(receiver.Spans().size(), 1u);
  EXPECT_EQ(receiver.Spans()[0].span.name(), "over-tls");
}

// Without the test CA (the system's roots) or with a root that is not PEM,
// the handshake fails: the export fails and is counted, nothing arrives.
TEST(OtlpTls, AnUntrustedOrGarbageRootFailsWithoutCrashing) {
  OtlpTestReceiver receiver(ServerTls(false));
  for (const char* root : {"", "not a certificate", "-----BEGIN CERTIFICATE-----\n"
                                                    "AAAA\n-----END CERTIFICATE-----\n"}) {
    OtlpGrpcExporterOptions o = Options(receiver.endpoint());
    o.timeout = absl::Seconds(2);
    o.root_certificates = root;
    OtlpGrpcExporter exporter(o);
    EXPECT_EQ(exporter.Export(OneSpan("refused")), ExportResult::kFailure)
        << "root: " << root;
    EXPECT_EQ(exporter.stats()->failed_spans.load(), 1u);
  }
  EXPECT_EQ(receiver.calls(), 0);
}

// A receiver that requires a client certificate signed by the test CA:
// only the exporter with the client key and certificate gets through; one
// of the two alone is not used.
TEST(OtlpTls, MutualTlsNeedsTheClientKeyAndCertificate) {
  OtlpTestReceiver receiver(ServerTls(true));
  struct Case {
    const char* what;
    std::string key, cert;
    bool ok;
  };
  for (const Case& c :
       {Case{"none", "", "", false},
        Case{"key only", kTestClientKeyPem, "", false},
        Case{"certificate only", "", kTestClientCertPem, false},
        Case{"garbage key", "garbage", kTestClientCertPem, false},
        Case{"both", kTestClientKeyPem, kTestClientCertPem, true}}) {
    OtlpGrpcExporterOptions o = Options(receiver.endpoint());
    if (!c.ok) o.timeout = absl::Seconds(2);
    o.root_certificates = kTestCaPem;
    o.client_key = c.key;
    o.client_certificate = c.cert;
    OtlpGrpcExporter exporter(o);
    EXPECT_EQ(exporter.Export(OneSpan(c.what)) == ExportResult::kSuccess, c.ok)
        << c.what;
  }
  ASSERT_EQ(receiver.Spans().size(), 1u);
  EXPECT_EQ(receiver.Spans()[0].span.name(), "both");
}

class TempFiles {
 public:
  TempFiles() {
    const char* tmp = std::getenv("TEST_TMPDIR");
    prefix_ = std::string(tmp ? tmp : "/tmp") + "/otlp_tls_test_" +
              std::to_string(getpid()) + "_";
  }
  ~TempFiles() {
    for (const std::string& p : paths_) std::remove(p.c_str());
  }
  std::string Write(const std::string& name, const std::string& content) {
    std::string path = prefix_ + name;
    std::ofstream(path, std::ios::binary) << content;
    paths_.push_back(path);
    return path;
  }

 private:
  std::string prefix_;
  std::vector<std::string> paths_;
};

// The standard variables, read from files, reach the exporter's channel: a
// span recorded through the provider they configure arrives at a receiver
// that requires mutual TLS.
TEST(OtlpTls, EnvironmentVariablesConfigureMutualTls) {
  OtlpTestReceiver receiver(ServerTls(true));
  TempFiles files;
  std::map<std::string, std::string> env = {
      {"OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint()},
      {"OTEL_EXPORTER_OTLP_CERTIFICATE", files.Write("ca.pem", kTestCaPem)},
      {"OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY",
       files.Write("client.key", kTestClientKeyPem)},
      {"OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE",
       files.Write("client.pem", kTestClientCertPem)},
  };
  TracingConfig config =
      TracingConfigFromEnv("tls-service", [&env](const char* key) -> const char* {
        auto it = env.find(key);
        return it == env.end() ? nullptr : it->second.c_str();
      });
  ASSERT_TRUE(config.problems.empty()) << config.problems[0];
  EXPECT_EQ(config.otlp.root_certificates, kTestCaPem);
  EXPECT_EQ(config.otlp.client_key, kTestClientKeyPem);
  EXPECT_EQ(config.otlp.client_certificate, kTestClientCertPem);
  std::shared_ptr<TracerProvider> provider = MakeTracerProvider(config);
  ASSERT_NE(provider, nullptr);
  provider->StartSpan("configured-by-env").End();
  ASSERT_TRUE(provider->ForceFlush(absl::Seconds(30)));
  ASSERT_TRUE(receiver.WaitForSpans(1, absl::Seconds(30)));
  EXPECT_EQ(receiver.Spans()[0].span.name(), "configured-by-env");
  EXPECT_TRUE(provider->Shutdown(absl::Seconds(30)));
}

// A file that cannot be used is reported by its path, never its content,
// and left out; a client key without its certificate is not used.
TEST(OtlpTls, UnusableFilesAreReportedAndLeftOut) {
  TempFiles files;
  const std::string key = files.Write("client.key", kTestClientKeyPem);
  const std::string not_pem = files.Write("not.pem", "secret-but-not-pem");
  std::map<std::string, std::string> env = {
      {"OTEL_EXPORTER_OTLP_CERTIFICATE", "/nonexistent/ca.pem"},
      {"OTEL_EXPORTER_OTLP_CLIENT_KEY", key},
      {"OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE", not_pem},
  };
  TracingConfig c = TracingConfigFromEnv("", [&env](const char* k) -> const char* {
    auto it = env.find(k);
    return it == env.end() ? nullptr : it->second.c_str();
  });
  std::string all;
  for (const std::string& p : c.problems) all += p + "\n";
  EXPECT_NE(all.find("OTEL_EXPORTER_OTLP_CERTIFICATE=/nonexistent/ca.pem"),
            std::string::npos)
      << all;
  // The path as far as it is shown (a long one is cut at 100 characters:
  // Bazel's temporary directory is that long).
  EXPECT_NE(all.find("OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE=" +
                     not_pem.substr(0, 60)),
            std::string::npos)
      << all;
  EXPECT_NE(all.find("go together"), std::string::npos) << all;
  EXPECT_EQ(all.find("secret-but-not-pem"), std::string::npos) << all;
  EXPECT_EQ(all.find("PRIVATE KEY"), std::string::npos) << all;
  EXPECT_EQ(c.otlp.root_certificates, "");
  EXPECT_EQ(c.otlp.client_key, "");
  EXPECT_EQ(c.otlp.client_certificate, "");
}

}  // namespace
}  // namespace traceprop
