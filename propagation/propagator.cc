#include "traceprop/propagation/propagator.h"

#include <algorithm>
#include <cstdlib>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "traceprop/propagation/b3.h"
#include "traceprop/propagation/grpc_trace_bin.h"

namespace traceprop {
namespace {

// Single returns the one value of `key`: nullopt when absent; `*several`
// is set when there is more than one (a malformed request).
std::optional<absl::string_view> Single(const Carrier& carrier,
                                        absl::string_view key, bool* several) {
  std::vector<absl::string_view> values = carrier.Get(key);
  if (values.size() > 1) *several = true;
  if (values.size() != 1) return std::nullopt;
  return values[0];
}

// Take records `found` as the extracted context unless one is there already.
void Take(const TraceContext& found, absl::string_view format, Extracted* out) {
  if (out->context.IsValid()) return;
  out->context = found;
  out->format = std::string(format);
}

// TakeParsed is Take for a parse result: a failed parse is only counted.
void TakeParsed(const absl::StatusOr<TraceContext>& parsed,
                absl::string_view format, Extracted* out) {
  if (!parsed.ok()) {
    ++out->invalid;
    return;
  }
  Take(*parsed, format, out);
}

class W3CTraceContext final : public Propagator {
 public:
  absl::string_view name() const override { return "tracecontext"; }
  void Extract(const Carrier& carrier, Extracted* out) const override {
    std::vector<absl::string_view> parents = carrier.Get("traceparent");
    if (parents.empty()) return;
    std::vector<absl::string_view> states = carrier.Get("tracestate");
    TakeParsed(parents.size() == 1
                   ? TraceContext::FromHeaders(parents[0], states)
                   : absl::InvalidArgumentError("several traceparent"),
               name(), out);
  }
  void Inject(const TraceContext& ctx, const Baggage&,
              Carrier* carrier) const override {
    if (!ctx.IsValid()) return;
    carrier->Set("traceparent", ctx.ToTraceParent());
    std::string state = ctx.ToTraceStateHeader();
    if (!state.empty()) carrier->Set("tracestate", std::move(state));
  }
  std::vector<std::string> Fields() const override {
    return {"traceparent", "tracestate"};
  }
};

class W3CBaggage final : public Propagator {
 public:
  absl::string_view name() const override { return "baggage"; }
  void Extract(const Carrier& carrier, Extracted* out) const override {
    std::vector<absl::string_view> values = carrier.Get("baggage");
    if (values.empty()) return;
    Baggage::ParseStats stats;
    Baggage found = Baggage::Parse(values, &stats);
    if (stats.invalid_members > 0) ++out->invalid;
    if (out->baggage.empty()) {
      out->baggage = std::move(found);
      return;
    }
    for (const Baggage::Member& m : found.members()) {
      if (out->baggage.Get(m.key).has_value()) continue;  // first one wins
      absl::StatusOr<Baggage> added =
          out->baggage.Set(m.key, m.value, m.properties);
      if (added.ok()) out->baggage = *std::move(added);
    }
  }
  void Inject(const TraceContext&, const Baggage& baggage,
              Carrier* carrier) const override {
    std::string header = baggage.ToHeader();
    if (!header.empty()) carrier->Set("baggage", std::move(header));
  }
  std::vector<std::string> Fields() const override { return {"baggage"}; }
};

// B3 reads both forms; `multi` chooses which one it writes.
class B3 final : public Propagator {
 public:
  explicit B3(bool multi) : multi_(multi) {}
  absl::string_view name() const override { return multi_ ? "b3multi" : "b3"; }

  void Extract(const Carrier& carrier, Extracted* out) const override {
    bool several = false;
    absl::StatusOr<B3Context> b3 = absl::NotFoundError("");
    if (std::optional<absl::string_view> single = Single(carrier, "b3", &several)) {
      b3 = ParseB3Single(*single);
    } else if (!several) {
      auto trace_id = Single(carrier, "x-b3-traceid", &several);
      auto span_id = Single(carrier, "x-b3-spanid", &several);
      auto parent = Single(carrier, "x-b3-parentspanid", &several);
      auto sampled = Single(carrier, "x-b3-sampled", &several);
      auto flags = Single(carrier, "x-b3-flags", &several);
      if (trace_id || span_id || parent || sampled || flags) {
        b3 = ParseB3Multi(trace_id, span_id, parent, sampled, flags);
      }
    }
    if (several || (!b3.ok() && !absl::IsNotFound(b3.status()))) {
      ++out->invalid;
      return;
    }
    if (!b3.ok()) return;  // no B3 headers at all
    if (b3->context.IsValid()) {
      Take(b3->context, name(), out);
    } else if (!out->context.IsValid() && !out->sampled.has_value()) {
      out->sampled = b3->sampled;
    }
  }

  void Inject(const TraceContext& ctx, const Baggage&,
              Carrier* carrier) const override {
    if (!ctx.IsValid()) return;
    if (!multi_) {
      carrier->Set("b3", FormatB3Single(ctx));
      return;
    }
    B3MultiHeaders h = FormatB3Multi(ctx);
    carrier->Set("x-b3-traceid", std::move(h.trace_id));
    carrier->Set("x-b3-spanid", std::move(h.span_id));
    if (!h.parent_span_id.empty()) {
      carrier->Set("x-b3-parentspanid", std::move(h.parent_span_id));
    }
    carrier->Set("x-b3-sampled", std::move(h.sampled));
  }

  std::vector<std::string> Fields() const override {
    return {"b3", "x-b3-traceid", "x-b3-spanid", "x-b3-parentspanid",
            "x-b3-sampled", "x-b3-flags"};
  }

 private:
  const bool multi_;
};

class GrpcTraceBin final : public Propagator {
 public:
  absl::string_view name() const override { return "grpc-trace-bin"; }
  void Extract(const Carrier& carrier, Extracted* out) const override {
    std::vector<absl::string_view> values = carrier.Get("grpc-trace-bin");
    if (values.empty()) return;
    TakeParsed(values.size() == 1 ? ParseGrpcTraceBin(values[0])
                                  : absl::InvalidArgumentError("several values"),
               name(), out);
  }
  void Inject(const TraceContext& ctx, const Baggage&,
              Carrier* carrier) const override {
    if (ctx.IsValid()) carrier->Set("grpc-trace-bin", FormatGrpcTraceBin(ctx));
  }
  std::vector<std::string> Fields() const override { return {"grpc-trace-bin"}; }
};

}  // namespace

std::unique_ptr<Propagator> W3CTraceContextPropagator() {
  return std::make_unique<W3CTraceContext>();
}
std::unique_ptr<Propagator> W3CBaggagePropagator() {
  return std::make_unique<W3CBaggage>();
}
std::unique_ptr<Propagator> B3Propagator() { return std::make_unique<B3>(false); }
std::unique_ptr<Propagator> B3MultiPropagator() {
  return std::make_unique<B3>(true);
}
std::unique_ptr<Propagator> GrpcTraceBinPropagator() {
  return std::make_unique<GrpcTraceBin>();
}

CompositePropagator::CompositePropagator(
    std::vector<std::unique_ptr<Propagator>> propagators)
    : propagators_(std::move(propagators)) {
  name_ = absl::StrJoin(propagators_, ",",
                        [](std::string* out, const std::unique_ptr<Propagator>& p) {
                          out->append(p->name().data(), p->name().size());
                        });
}

void CompositePropagator::Extract(const Carrier& carrier, Extracted* out) const {
  for (const auto& p : propagators_) p->Extract(carrier, out);
}

void CompositePropagator::Inject(const TraceContext& context,
                                 const Baggage& baggage, Carrier* carrier) const {
  for (const auto& p : propagators_) p->Inject(context, baggage, carrier);
}

std::vector<std::string> CompositePropagator::Fields() const {
  std::vector<std::string> fields;
  for (const auto& p : propagators_) {
    for (std::string& f : p->Fields()) {
      if (std::find(fields.begin(), fields.end(), f) == fields.end()) {
        fields.push_back(std::move(f));
      }
    }
  }
  return fields;
}

std::unique_ptr<CompositePropagator> PropagatorsFromNames(absl::string_view names,
                                                          std::string* warnings) {
  std::vector<std::string> seen;
  std::vector<std::unique_ptr<Propagator>> list;
  bool none = false;
  for (absl::string_view raw : absl::StrSplit(names, ',')) {
    std::string name = absl::AsciiStrToLower(absl::StripAsciiWhitespace(raw));
    if (name.empty()) continue;
    if (std::find(seen.begin(), seen.end(), name) != seen.end()) continue;
    seen.push_back(name);
    if (name == "tracecontext") {
      list.push_back(W3CTraceContextPropagator());
    } else if (name == "baggage") {
      list.push_back(W3CBaggagePropagator());
    } else if (name == "b3") {
      list.push_back(B3Propagator());
    } else if (name == "b3multi") {
      list.push_back(B3MultiPropagator());
    } else if (name == "grpc-trace-bin") {
      list.push_back(GrpcTraceBinPropagator());
    } else if (name == "none") {
      none = true;
    } else if (warnings != nullptr) {
      absl::StrAppend(warnings, warnings->empty() ? "" : "; ",
                      "unknown propagator '", absl::CEscape(name.substr(0, 32)),
                      "' skipped (known: tracecontext, baggage, b3, b3multi, "
                      "grpc-trace-bin, none)");
    }
  }
  if (none) {
    if (!list.empty() && warnings != nullptr) {
      absl::StrAppend(warnings, warnings->empty() ? "" : "; ",
                      "'none' with other propagators: none wins");
    }
    list.clear();
  } else if (list.empty()) {
    list.push_back(W3CTraceContextPropagator());
    list.push_back(W3CBaggagePropagator());
  }
  return std::make_unique<CompositePropagator>(std::move(list));
}

std::unique_ptr<CompositePropagator> PropagatorsFromEnv(std::string* warnings) {
  const char* env = std::getenv("OTEL_PROPAGATORS");
  return PropagatorsFromNames(env == nullptr ? "" : env, warnings);
}

}  // namespace traceprop
