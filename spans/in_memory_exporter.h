// traceprop/spans/in_memory_exporter.h — an exporter that keeps spans in
// memory, for tests (yours and ours).
//
//   auto exporter = std::make_unique<traceprop::InMemoryExporter>();
//   auto spans = exporter->storage();      // shared; outlives the exporter
//   ... install a provider with a BatchSpanProcessor over `exporter` ...
//   provider->ForceFlush(absl::Seconds(5));
//   std::vector<traceprop::SpanData> got = spans->Take();

#ifndef TRACEPROP_SPANS_IN_MEMORY_EXPORTER_H_
#define TRACEPROP_SPANS_IN_MEMORY_EXPORTER_H_

#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "traceprop/spans/processor.h"

namespace traceprop {

// InMemorySpans is the store an InMemoryExporter appends to. Thread-safe.
class InMemorySpans {
 public:
  // Take returns every span exported so far and empties the store.
  std::vector<SpanData> Take() {
    std::lock_guard<std::mutex> lock(mu_);
    return std::exchange(spans_, {});
  }
  // size is the number of spans stored.
  size_t size() {
    std::lock_guard<std::mutex> lock(mu_);
    return spans_.size();
  }
  void Add(const std::vector<std::unique_ptr<SpanData>>& batch) {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& s : batch) spans_.push_back(*s);
  }

 private:
  std::mutex mu_;
  std::vector<SpanData> spans_ ABSL_GUARDED_BY(mu_);
};

// InMemoryExporter copies every batch into its InMemorySpans and succeeds.
class InMemoryExporter final : public SpanExporter {
 public:
  InMemoryExporter() : storage_(std::make_shared<InMemorySpans>()) {}
  ExportResult Export(
      const std::vector<std::unique_ptr<SpanData>>& batch) override {
    storage_->Add(batch);
    return ExportResult::kSuccess;
  }
  // storage is shared, so tests can read it after the processor owns (or
  // has destroyed) the exporter.
  std::shared_ptr<InMemorySpans> storage() const { return storage_; }

 private:
  const std::shared_ptr<InMemorySpans> storage_;
};

}  // namespace traceprop

#endif  // TRACEPROP_SPANS_IN_MEMORY_EXPORTER_H_
