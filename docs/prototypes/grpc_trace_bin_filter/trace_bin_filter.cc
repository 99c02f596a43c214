// Prototype: let a gRPC C++ 1.51 server application see grpc-trace-bin.
//
// The core parses grpc-trace-bin into a typed slot of grpc_metadata_batch
// (GrpcTraceBinMetadata) and PublishToAppEncoder drops typed slots it does
// not list, so no public API sees it. A server channel filter, registered
// through CoreConfiguration::RegisterBuilder (exported by libgrpc.so.29),
// runs before the publication: on recv_initial_metadata_ready it copies the
// value under a key the core does not know, which IS published.
//
// Built against the internal headers of gRPC 1.51.1 (from the grpcio
// 1.51.1 sdist; not installed by Debian) and Debian's Abseil.
#include "src/core/lib/channel/channel_stack.h"
#include "src/core/lib/channel/channel_stack_builder.h"
#include "src/core/lib/config/core_configuration.h"
#include "src/core/lib/iomgr/closure.h"
#include "src/core/lib/surface/channel_init.h"
#include "src/core/lib/transport/metadata_batch.h"
#include "src/core/lib/transport/transport.h"

namespace traceprop_proto {

constexpr char kAliasKey[] = "traceprop-trace-bin";

struct CallData {
  grpc_metadata_batch* recv_initial_metadata = nullptr;
  grpc_closure* original_ready = nullptr;
  grpc_closure ready;
};

void RecvInitialMetadataReady(void* arg, grpc_error_handle error) {
  auto* calld = static_cast<CallData*>(arg);
  if (error.ok() && calld->recv_initial_metadata != nullptr) {
    const grpc_core::Slice* value = calld->recv_initial_metadata->get_pointer(
        grpc_core::GrpcTraceBinMetadata());
    if (value != nullptr) {
      calld->recv_initial_metadata->Append(
          kAliasKey, value->Ref(),
          [](absl::string_view, const grpc_core::Slice&) {});
    }
  }
  grpc_core::Closure::Run(DEBUG_LOCATION, calld->original_ready, error);
}

void StartBatch(grpc_call_element* elem, grpc_transport_stream_op_batch* batch) {
  auto* calld = static_cast<CallData*>(elem->call_data);
  if (batch->recv_initial_metadata) {
    calld->recv_initial_metadata =
        batch->payload->recv_initial_metadata.recv_initial_metadata;
    calld->original_ready =
        batch->payload->recv_initial_metadata.recv_initial_metadata_ready;
    batch->payload->recv_initial_metadata.recv_initial_metadata_ready =
        &calld->ready;
  }
  grpc_call_next_op(elem, batch);
}

grpc_error_handle InitCall(grpc_call_element* elem,
                           const grpc_call_element_args*) {
  auto* calld = new (elem->call_data) CallData();
  GRPC_CLOSURE_INIT(&calld->ready, RecvInitialMetadataReady, calld,
                    grpc_schedule_on_exec_ctx);
  return absl::OkStatus();
}
void DestroyCall(grpc_call_element* elem, const grpc_call_final_info*,
                 grpc_closure*) {
  static_cast<CallData*>(elem->call_data)->~CallData();
}
grpc_error_handle InitChannel(grpc_channel_element*, grpc_channel_element_args*) {
  return absl::OkStatus();
}
void DestroyChannel(grpc_channel_element*) {}

const grpc_channel_filter kFilter = {
    StartBatch,
    nullptr,  // make_call_promise: none (1.51 server stacks use batches)
    grpc_channel_next_op,
    sizeof(CallData),
    InitCall,
    grpc_call_stack_ignore_set_pollset_or_pollset_set,
    DestroyCall,
    0,
    InitChannel,
    [](grpc_channel_stack*, grpc_channel_element*) {},
    DestroyChannel,
    grpc_channel_next_get_info,
    "traceprop_trace_bin",
};

// Install must run before gRPC builds its core configuration (before the
// first grpc_init / channel / server).
void Install() {
  grpc_core::CoreConfiguration::RegisterBuilder(
      [](grpc_core::CoreConfiguration::Builder* builder) {
        builder->channel_init()->RegisterStage(
            GRPC_SERVER_CHANNEL, GRPC_CHANNEL_INIT_BUILTIN_PRIORITY,
            [](grpc_core::ChannelStackBuilder* stack) {
              stack->PrependFilter(&kFilter);
              return true;
            });
      });
}

}  // namespace traceprop_proto
