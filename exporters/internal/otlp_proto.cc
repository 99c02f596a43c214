#include "traceprop/exporters/internal/otlp_proto.h"

#include <string>
#include <variant>

#include "traceprop/version.h"

namespace traceprop {
namespace internal {

namespace common = opentelemetry::proto::common::v1;
namespace trace = opentelemetry::proto::trace::v1;

namespace {

using KeyValues = google::protobuf::RepeatedPtrField<common::KeyValue>;

void Add(KeyValues* out, absl::string_view key, AttributeValueView value) {
  common::KeyValue* kv = out->Add();
  kv->set_key(ValidUtf8(key));
  FillAnyValue(value, kv->mutable_value());
}

void FillAttributes(const std::vector<Attribute>& attributes, KeyValues* out) {
  out->Reserve(static_cast<int>(attributes.size()));
  ForEachAttribute(attributes, [out](absl::string_view k,
                                     AttributeValueView v) { Add(out, k, v); });
}

std::string Bytes(const std::array<uint8_t, 16>& b) {
  return std::string(reinterpret_cast<const char*>(b.data()), b.size());
}
std::string Bytes(const std::array<uint8_t, 8>& b) {
  return std::string(reinterpret_cast<const char*>(b.data()), b.size());
}

constexpr uint32_t kHasIsRemote = 0x100;
constexpr uint32_t kIsRemote = 0x200;

}  // namespace

void FillAnyValue(AttributeValueView value, common::AnyValue* out) {
  struct Visitor {
    common::AnyValue* out;
    void operator()(bool v) const { out->set_bool_value(v); }
    void operator()(int64_t v) const { out->set_int_value(v); }
    void operator()(double v) const { out->set_double_value(v); }
    void operator()(absl::string_view v) const {
      out->set_string_value(ValidUtf8(v));
    }
  };
  std::visit(Visitor{out}, value);
}

size_t Utf8Length(absl::string_view s, size_t i) {
  auto at = [&](size_t k) { return static_cast<unsigned char>(s[i + k]); };
  const unsigned char c = at(0);
  if (c < 0x80) return 1;
  size_t n;
  unsigned char lo = 0x80, hi = 0xbf;  // the range of the second byte
  if (c >= 0xc2 && c <= 0xdf) {
    n = 2;
  } else if (c >= 0xe0 && c <= 0xef) {
    n = 3;
    if (c == 0xe0) lo = 0xa0;  // no overlong forms
    if (c == 0xed) hi = 0x9f;  // no surrogates
  } else if (c >= 0xf0 && c <= 0xf4) {
    n = 4;
    if (c == 0xf0) lo = 0x90;  // no overlong forms
    if (c == 0xf4) hi = 0x8f;  // nothing above U+10FFFF
  } else {
    return 0;
  }
  if (s.size() - i < n) return 0;
  if (at(1) < lo || at(1) > hi) return 0;
  for (size_t k = 2; k < n; ++k) {
    if ((at(k) & 0xc0) != 0x80) return 0;
  }
  return n;
}

std::string ValidUtf8(absl::string_view s) {
  size_t i = 0;
  while (i < s.size()) {  // the common case: valid, one copy
    if (static_cast<unsigned char>(s[i]) < 0x80) {  // ASCII, inline
      ++i;
      continue;
    }
    const size_t n = Utf8Length(s, i);
    if (n == 0) break;
    i += n;
  }
  if (i == s.size()) return std::string(s);
  std::string out(s.substr(0, i));
  while (i < s.size()) {
    const size_t n = Utf8Length(s, i);
    if (n == 0) {
      out += "\xef\xbf\xbd";  // U+FFFD
      ++i;
    } else {
      out.append(s.data() + i, n);
      i += n;
    }
  }
  return out;
}

uint32_t OtlpSpanFlags(const SpanData& span) {
  uint32_t flags = span.flags.WireValue() | kHasIsRemote;
  if (span.parent_is_remote) flags |= kIsRemote;
  return flags;
}

void SpansToRequest(
    const std::vector<std::unique_ptr<SpanData>>& spans,
    const std::vector<Attribute>& resource,
    opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest*
        out) {
  trace::ResourceSpans* rs = out->add_resource_spans();
  FillAttributes(resource, rs->mutable_resource()->mutable_attributes());
  trace::ScopeSpans* ss = rs->add_scope_spans();
  ss->mutable_scope()->set_name(kScopeName);
  ss->mutable_scope()->set_version(TRACEPROP_VERSION_STRING);
  ss->mutable_spans()->Reserve(static_cast<int>(spans.size()));
  for (const auto& sp : spans) {
    const SpanData& s = *sp;
    trace::Span* o = ss->add_spans();
    o->set_trace_id(Bytes(s.trace_id.bytes()));
    o->set_span_id(Bytes(s.span_id.bytes()));
    if (!s.trace_state.empty()) o->set_trace_state(ValidUtf8(s.trace_state));
    if (s.parent_span_id.IsValid())
      o->set_parent_span_id(Bytes(s.parent_span_id.bytes()));
    o->set_flags(OtlpSpanFlags(s));
    o->set_name(ValidUtf8(s.name));
    o->set_kind(static_cast<trace::Span::SpanKind>(s.kind));
    o->set_start_time_unix_nano(s.start_unix_nano);
    o->set_end_time_unix_nano(s.end_unix_nano);
    KeyValues* attributes = o->mutable_attributes();
    // At most RpcAttributes::kMaxAttributes from `rpc`: growing the field
    // instead cost ~900 instructions per span (BM_OtlpEncode).
    attributes->Reserve(static_cast<int>(s.attributes.size()) +
                        RpcAttributes::kMaxAttributes);
    s.ForEachAttribute([attributes](absl::string_view k, AttributeValueView v) {
      Add(attributes, k, v);
    });
    o->set_dropped_attributes_count(s.dropped_attributes);
    for (const SpanEvent& e : s.events) {
      trace::Span::Event* oe = o->add_events();
      oe->set_time_unix_nano(e.time_unix_nano);
      oe->set_name(ValidUtf8(e.name));
      FillAttributes(e.attributes, oe->mutable_attributes());
      oe->set_dropped_attributes_count(e.dropped_attributes);
    }
    o->set_dropped_events_count(s.dropped_events);
    for (const SpanLink& l : s.links) {
      trace::Span::Link* ol = o->add_links();
      ol->set_trace_id(Bytes(l.context.trace_id().bytes()));
      ol->set_span_id(Bytes(l.context.span_id().bytes()));
      if (!l.context.trace_state().empty())
        ol->set_trace_state(l.context.trace_state().ToHeader());
      FillAttributes(l.attributes, ol->mutable_attributes());
      ol->set_dropped_attributes_count(l.dropped_attributes);
      ol->set_flags(l.context.flags().WireValue() | kHasIsRemote |
                    (l.context.is_remote() ? kIsRemote : 0));
    }
    o->set_dropped_links_count(s.dropped_links);
    if (s.status != StatusCode::kUnset) {
      o->mutable_status()->set_code(
          static_cast<trace::Status::StatusCode>(s.status));
      if (!s.status_message.empty())
        o->mutable_status()->set_message(ValidUtf8(s.status_message));
    }
  }
}

}  // namespace internal
}  // namespace traceprop
