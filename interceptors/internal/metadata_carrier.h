// traceprop/interceptors/internal/metadata_carrier.h — gRPC metadata maps
// as propagation Carriers (propagation/propagator.h).
//
// Keys in gRPC metadata are lowercase already (gRPC lowercases what it
// receives and rejects uppercase keys it sends), so lookups are exact.
// Binary ("-bin") values are the raw bytes: gRPC base64-encodes them on
// the wire and decodes them on receipt.

#ifndef TRACEPROP_INTERCEPTORS_INTERNAL_METADATA_CARRIER_H_
#define TRACEPROP_INTERCEPTORS_INTERNAL_METADATA_CARRIER_H_

#include <grpcpp/support/string_ref.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "traceprop/propagation/propagator.h"

namespace traceprop {
namespace internal {

// ReceivedMetadataCarrier reads a server call's received initial metadata
// (ServerContext::client_metadata(), or the interceptor's
// GetRecvInitialMetadata()). Read-only: Set does nothing. `md` may be null
// (no metadata); it must outlive the carrier.
class ReceivedMetadataCarrier final : public Carrier {
 public:
  explicit ReceivedMetadataCarrier(
      const std::multimap<grpc::string_ref, grpc::string_ref>* md)
      : md_(md) {}
  std::vector<absl::string_view> Get(absl::string_view key) const override {
    std::vector<absl::string_view> values;
    if (md_ == nullptr) return values;
    auto range = md_->equal_range(grpc::string_ref(key.data(), key.size()));
    for (auto it = range.first; it != range.second; ++it) {
      values.emplace_back(it->second.data(), it->second.size());
    }
    return values;
  }
  void Set(absl::string_view, std::string) override {}

 private:
  const std::multimap<grpc::string_ref, grpc::string_ref>* const md_;
};

// SendMetadataCarrier reads and writes a client call's initial metadata to
// send (the interceptor's GetSendInitialMetadata()). `md` must outlive it.
class SendMetadataCarrier final : public Carrier {
 public:
  explicit SendMetadataCarrier(std::multimap<std::string, std::string>* md)
      : md_(md) {}
  std::vector<absl::string_view> Get(absl::string_view key) const override {
    std::vector<absl::string_view> values;
    auto range = md_->equal_range(std::string(key));
    for (auto it = range.first; it != range.second; ++it) {
      values.emplace_back(it->second);
    }
    return values;
  }
  void Set(absl::string_view key, std::string value) override {
    md_->emplace(std::string(key), std::move(value));
  }
  // Erase removes every value of `key`.
  void Erase(const std::string& key) { md_->erase(key); }

 private:
  std::multimap<std::string, std::string>* const md_;
};

}  // namespace internal
}  // namespace traceprop

#endif  // TRACEPROP_INTERCEPTORS_INTERNAL_METADATA_CARRIER_H_
