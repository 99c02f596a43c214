// Prototype driver: a callback generic server and a client in one process.
// The client sends a 29-byte grpc-trace-bin and a traceparent; the handler
// prints the client metadata keys containing "trace" it can see. With an
// argument it first installs the server filter (trace_bin_filter.cc).
#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <iostream>
#include <string>

namespace traceprop_proto { void Install(); }

// Sent is the grpc-trace-bin value the client sends (version 0; trace id
// 01..10, span id 20..27, options sampled).
std::string Sent() {
  std::string bin(29, '\0');
  for (int i = 0; i < 16; ++i) bin[2 + i] = char(i + 1);
  bin[18] = 1;
  for (int i = 0; i < 8; ++i) bin[19 + i] = char(0x20 + i);
  bin[27] = 2;
  bin[28] = 1;
  return bin;
}

class Handler final : public grpc::CallbackGenericService {
 public:
  grpc::ServerGenericBidiReactor* CreateReactor(
      grpc::GenericCallbackServerContext* ctx) override {
    for (const auto& [k, v] : ctx->client_metadata()) {
      std::string key(k.data(), k.size());
      if (key.find("trace") == std::string::npos) continue;
      std::cout << "server sees " << key << " (" << v.size() << " bytes)";
      if (key == "traceprop-trace-bin") {
        std::cout << (std::string(v.data(), v.size()) == Sent() ? ", equal to"
                                                                : ", NOT")
                  << " what the client sent";
      }
      std::cout << "\n";
    }
    struct R : grpc::ServerGenericBidiReactor {
      R() { Finish(grpc::Status::OK); }
      void OnDone() override { delete this; }
    };
    return new R;
  }
};

int main(int argc, char**) {
  if (argc > 1) traceprop_proto::Install();
  Handler handler;
  grpc::ServerBuilder b;
  int port = 0;
  b.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  b.RegisterCallbackGenericService(&handler);
  auto server = b.BuildAndStart();
  auto channel = grpc::CreateChannel("ipv4:127.0.0.1:" + std::to_string(port),
                                     grpc::InsecureChannelCredentials());
  grpc::GenericStub stub(channel);
  grpc::ClientContext ctx;
  ctx.AddMetadata("grpc-trace-bin", Sent());
  ctx.AddMetadata("traceparent", "00-0102030405060708090a0b0c0d0e0f10-2021222324252627-01");
  grpc::Slice one("x");
  grpc::ByteBuffer req(&one, 1), resp;
  std::mutex mu; std::condition_variable cv; bool done = false; grpc::Status st;
  stub.UnaryCall(&ctx, "/p.S/M", grpc::StubOptions(), &req, &resp,
                 [&](grpc::Status s) { std::lock_guard<std::mutex> l(mu); st = s; done = true; cv.notify_all(); });
  std::unique_lock<std::mutex> l(mu);
  cv.wait(l, [&] { return done; });
  std::cout << "status " << st.error_code() << "\n";
  server->Shutdown();
  return 0;
}
