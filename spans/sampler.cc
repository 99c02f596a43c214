#include "traceprop/spans/sampler.h"

#include <cmath>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace traceprop {
namespace sampling {

uint64_t TraceIdRandomness(const TraceId& trace_id) {
  uint64_t r = 0;
  const auto& b = trace_id.bytes();
  for (size_t i = 9; i < 16; ++i) r = (r << 8) | b[i];
  return r;
}

uint64_t ProbabilityToThreshold(double p) {
  if (!(p < 1.0)) return 0;  // also NaN: callers check p > 0 first
  if (p <= 0.0) return kMaxThreshold - 1;
  const long double scaled = static_cast<long double>(p) * kMaxThreshold;
  uint64_t keep = static_cast<uint64_t>(std::llround(scaled));
  if (keep == 0) keep = 1;  // the smallest representable probability
  if (keep > kMaxThreshold) keep = kMaxThreshold;
  return kMaxThreshold - keep;
}

std::string FormatThreshold(uint64_t threshold) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(14, '0');
  for (int i = 13; i >= 0; --i) {
    out[i] = kHex[threshold & 0xf];
    threshold >>= 4;
  }
  size_t end = out.find_last_not_of('0');
  if (end == std::string::npos) return "0";
  out.resize(end + 1);
  return out;
}

std::optional<uint64_t> ParseThreshold(absl::string_view th) {
  if (th.empty() || th.size() > 14) return std::nullopt;
  uint64_t v = 0;
  for (char c : th) {
    int d;
    if (c >= '0' && c <= '9') {
      d = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      d = c - 'a' + 10;
    } else {
      return std::nullopt;
    }
    v = (v << 4) | static_cast<uint64_t>(d);
  }
  return v << (4 * (14 - th.size()));
}

std::optional<absl::string_view> OtSubValue(const TraceState& state,
                                            absl::string_view key) {
  std::optional<absl::string_view> ot = state.Get("ot");
  if (!ot) return std::nullopt;
  for (absl::string_view member : absl::StrSplit(*ot, ';')) {
    size_t colon = member.find(':');
    if (colon == absl::string_view::npos) continue;
    if (member.substr(0, colon) == key) return member.substr(colon + 1);
  }
  return std::nullopt;
}

TraceState WithOtSubValue(const TraceState& state, absl::string_view key,
                          absl::string_view value) {
  const std::string first = value.empty() ? "" : absl::StrCat(key, ":", value);
  std::vector<absl::string_view> others;  // the other sub-keys, in order
  std::vector<absl::string_view> rv;      // the first rv (what samplers read)
  if (std::optional<absl::string_view> ot = state.Get("ot")) {
    for (absl::string_view member : absl::StrSplit(*ot, ';')) {
      if (member.empty()) continue;
      const size_t colon = member.find(':');
      const absl::string_view sub = member.substr(0, colon);
      if (colon != absl::string_view::npos && sub == key) continue;
      if (rv.empty() && colon != absl::string_view::npos && sub == "rv")
        rv.push_back(member);
      others.push_back(member);
    }
  }
  // The new sub-key first, then each try keeps less: every other sub-key,
  // then only rv, then nothing. A value over 256 characters, or one that
  // ends in a space once reordered, fails the grammar; no try leaves a
  // stale `key` behind.
  std::vector<absl::string_view> none;
  for (const std::vector<absl::string_view>* rest : {&others, &rv, &none}) {
    std::vector<absl::string_view> parts;
    if (!first.empty()) parts.push_back(first);
    parts.insert(parts.end(), rest->begin(), rest->end());
    if (parts.empty()) return state.Erase("ot");
    absl::StatusOr<TraceState> updated =
        state.Set("ot", absl::StrJoin(parts, ";"));
    if (updated.ok()) return *std::move(updated);
  }
  return state.Erase("ot");  // `value` itself breaks the grammar
}

}  // namespace sampling

namespace {

class AlwaysOn final : public Sampler {
 public:
  SamplingResult ShouldSample(const TraceContext& parent, const TraceId&,
                              absl::string_view, SpanKind) const override {
    return {true, parent.trace_state()};
  }
  std::string Description() const override { return "AlwaysOnSampler"; }
};

class AlwaysOff final : public Sampler {
 public:
  SamplingResult ShouldSample(const TraceContext& parent, const TraceId&,
                              absl::string_view, SpanKind) const override {
    return {false, parent.trace_state()};
  }
  std::string Description() const override { return "AlwaysOffSampler"; }
};

class Ratio final : public Sampler {
 public:
  explicit Ratio(double ratio)
      : ratio_(ratio),
        never_(!(ratio > 0.0)),
        threshold_(never_ ? 0 : sampling::ProbabilityToThreshold(ratio)),
        th_(sampling::FormatThreshold(threshold_)) {}

  SamplingResult ShouldSample(const TraceContext& parent,
                              const TraceId& trace_id, absl::string_view,
                              SpanKind) const override {
    const TraceState& state = parent.trace_state();
    bool sampled = false;
    if (!never_) {
      uint64_t randomness = sampling::TraceIdRandomness(trace_id);
      // An explicit randomness value (`ot=rv`) overrides the trace id's.
      if (std::optional<absl::string_view> rv =
              sampling::OtSubValue(state, "rv")) {
        if (rv->size() == 14) {
          if (std::optional<uint64_t> v = sampling::ParseThreshold(*rv))
            randomness = *v;
        }
      }
      sampled = randomness >= threshold_;
    }
    if (sampled) return {true, sampling::WithOtSubValue(state, "th", th_)};
    if (state.empty() || !sampling::OtSubValue(state, "th"))
      return {false, state};
    return {false, sampling::WithOtSubValue(state, "th", "")};
  }
  std::string Description() const override {
    return absl::StrCat("TraceIdRatioBased{", ratio_, "}");
  }

 private:
  const double ratio_;
  const bool never_;
  const uint64_t threshold_;
  const std::string th_;
};

class ParentBased final : public Sampler {
 public:
  explicit ParentBased(std::shared_ptr<const Sampler> root)
      : root_(root ? std::move(root) : AlwaysOnSampler()) {}
  SamplingResult ShouldSample(const TraceContext& parent,
                              const TraceId& trace_id, absl::string_view name,
                              SpanKind kind) const override {
    if (parent.IsValid()) return {parent.sampled(), parent.trace_state()};
    return root_->ShouldSample(parent, trace_id, name, kind);
  }
  std::string Description() const override {
    return absl::StrCat("ParentBased{", root_->Description(), "}");
  }

 private:
  const std::shared_ptr<const Sampler> root_;
};

}  // namespace

std::shared_ptr<const Sampler> AlwaysOnSampler() {
  static const auto* s = new std::shared_ptr<const Sampler>(new AlwaysOn);
  return *s;
}
std::shared_ptr<const Sampler> AlwaysOffSampler() {
  static const auto* s = new std::shared_ptr<const Sampler>(new AlwaysOff);
  return *s;
}
std::shared_ptr<const Sampler> TraceIdRatioSampler(double ratio) {
  return std::make_shared<Ratio>(ratio);
}
std::shared_ptr<const Sampler> ParentBasedSampler(
    std::shared_ptr<const Sampler> root) {
  return std::make_shared<ParentBased>(std::move(root));
}

}  // namespace traceprop
