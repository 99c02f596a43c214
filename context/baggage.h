// traceprop/context/baggage.h — W3C Baggage: application key/value pairs
// that travel with a request (tenant, user tier, experiment).
//
// The `baggage` header is a comma-separated list of members, each a key, a
// percent-encoded UTF-8 value and optional opaque properties:
//
//   baggage: tenant=acme, user%20tier = gold;ttl=30, exp=b%2Cc;internal
//            <key>=<value>   <value with OWS>  ;<properties>
//
//   traceprop::Baggage in = traceprop::Baggage::Parse({header1, header2});
//   std::optional<std::string> tenant = in.Get("tenant");  // "acme"
//   absl::StatusOr<traceprop::Baggage> out = in.Set("exp", "b,c");
//   std::string header = out->ToHeader();  // "tenant=acme,...,exp=b%2Cc"
//
// W3C Baggage (HTTP_HEADER_FORMAT: definition, limits, mutating baggage).

#ifndef TRACEPROP_CONTEXT_BAGGAGE_H_
#define TRACEPROP_CONTEXT_BAGGAGE_H_

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace traceprop {

// Baggage is an immutable, ordered list of members, cheap to copy (it
// shares its storage; empty allocates nothing). Set/Erase return new
// values. Thread-compatible; a const object may be read from any thread.
class Baggage {
 public:
  // Member is one list-member: key (a token, RFC 7230 §3.2.6), value
  // (decoded: any UTF-8 text) and properties (the raw, opaque property
  // list after the value, e.g. "ttl=30;internal", OWS trimmed; "" if none).
  struct Member {
    std::string key;
    std::string value;
    std::string properties;
    friend bool operator==(const Member& a, const Member& b) {
      return a.key == b.key && a.value == b.value &&
             a.properties == b.properties;
    }
  };

  // kMaxMembers is the grammar's limit (180 list-members) and
  // kMaxHeaderSize the size traceprop propagates in full; the W3C minimum
  // is 64 members and 8192 bytes.
  static constexpr size_t kMaxMembers = 180;
  static constexpr size_t kMaxHeaderSize = 8192;

  // ParseStats says what Parse dropped.
  struct ParseStats {
    size_t invalid_members = 0;  // not in the W3C format: dropped
    size_t over_limit = 0;       // valid, but past kMaxMembers/size: dropped
  };

  Baggage() = default;

  // Parse reads one or more `baggage` header values (joined in order, as
  // RFC 7230 combines repeated headers). It never fails: a member that is
  // not in the W3C format (bad key, a value byte outside baggage-octet, a
  // bad percent-escape, a value that is not UTF-8 once decoded, a bad
  // property) is dropped on its own, as "Mutating baggage" allows, and
  // members past kMaxMembers or past kMaxHeaderSize bytes of header are
  // dropped whole — never a partial member. Duplicate keys are kept in
  // order. `stats`, when given, counts what was dropped. Thread-safe.
  static Baggage Parse(absl::Span<const absl::string_view> headers,
                       ParseStats* stats = nullptr);

  bool empty() const { return members_ == nullptr || members_->empty(); }
  size_t size() const { return members_ == nullptr ? 0 : members_->size(); }
  // members: every member, in order.
  absl::Span<const Member> members() const {
    return members_ == nullptr ? absl::Span<const Member>() : *members_;
  }

  // Get returns the value of the first member with `key`; nullopt if none.
  std::optional<std::string> Get(absl::string_view key) const;

  // Set returns a copy where `key` has `value` (any UTF-8 text; it is
  // percent-encoded on the wire) and `properties` (raw; "" for none): the
  // first member with that key is replaced in place and later duplicates
  // removed, or the member is appended. InvalidArgument, and no change, for
  // a key that is not a token, a value that is not UTF-8, or properties not
  // in the W3C property syntax.
  absl::StatusOr<Baggage> Set(absl::string_view key, absl::string_view value,
                              absl::string_view properties = "") const;

  // Erase returns a copy without any member named `key`.
  Baggage Erase(absl::string_view key) const;

  // ToHeader formats the members in order, values percent-encoded
  // ("key=value;properties", comma-separated), dropping whole members
  // from the end until the header fits `max_size` bytes. "" when empty.
  std::string ToHeader(size_t max_size = kMaxHeaderSize) const;

  friend bool operator==(const Baggage& a, const Baggage& b) {
    return a.members() == b.members();
  }
  friend bool operator!=(const Baggage& a, const Baggage& b) {
    return !(a == b);
  }

 private:
  explicit Baggage(std::vector<Member> members);

  std::shared_ptr<const std::vector<Member>> members_;
};

}  // namespace traceprop

#endif  // TRACEPROP_CONTEXT_BAGGAGE_H_
