// ParseServerAddress: every gRPC target form a channel can be created with,
// and malformed ones (attributes omitted, never a crash).

#include "traceprop/interceptors/internal/server_address.h"

#include <string>

#include "gtest/gtest.h"

namespace traceprop {
namespace internal {
namespace {

void ExpectAddress(const std::string& target, const std::string& address,
                   int port) {
  SCOPED_TRACE(target);
  std::optional<ServerAddress> a = ParseServerAddress(target);
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->address, address);
  EXPECT_EQ(a->port, port);
}

TEST(ServerAddressTest, HostAndPort) {
  ExpectAddress("collector.example:4317", "collector.example", 4317);
  ExpectAddress("127.0.0.1:50051", "127.0.0.1", 50051);
  ExpectAddress("  localhost:0 ", "localhost", 0);
  ExpectAddress("[::1]:443", "::1", 443);
  ExpectAddress("localhost", "localhost", -1);       // gRPC's default port
  ExpectAddress("[fe80::1]", "fe80::1", -1);
  ExpectAddress("fe80::1", "fe80::1", -1);           // bare IPv6: no port
}

TEST(ServerAddressTest, Ipv4AndIpv6Schemes) {
  ExpectAddress("ipv4:127.0.0.1:8080", "127.0.0.1", 8080);
  ExpectAddress("ipv4:10.0.0.1:1,10.0.0.2:2", "10.0.0.1", 1);  // first
  ExpectAddress("ipv4:10.0.0.1", "10.0.0.1", -1);
  ExpectAddress("ipv6:[::1]:65535", "::1", 65535);
  ExpectAddress("ipv6:[2001:db8::7]:80,[::1]:81", "2001:db8::7", 80);
}

TEST(ServerAddressTest, DnsAndOtherUriSchemes) {
  ExpectAddress("dns:///api.example.com:443", "api.example.com", 443);
  ExpectAddress("dns://8.8.8.8/api.example.com:8443", "api.example.com",
                8443);
  ExpectAddress("dns:api.example.com:80", "api.example.com", 80);
  ExpectAddress("dns:///api.example.com", "api.example.com", -1);
  ExpectAddress("dns:///[::1]:9000", "::1", 9000);
  ExpectAddress("xds:///my-service:7000", "my-service", 7000);
}

// gRPC's in-process channel: no network peer to ask for; nothing else is.
TEST(ServerAddressTest, InProcessChannels) {
  ExpectAddress("inproc", "inproc", -1);
  EXPECT_TRUE(ParseServerAddress("inproc")->in_process);
  EXPECT_TRUE(ParseServerAddress(" inproc ")->in_process);
  for (const char* other : {"inproc:80", "dns:///inproc", "inprocess",
                            "localhost", "unix:inproc"}) {
    SCOPED_TRACE(other);
    std::optional<ServerAddress> a = ParseServerAddress(other);
    ASSERT_TRUE(a.has_value());
    EXPECT_FALSE(a->in_process);
  }
}

TEST(ServerAddressTest, UnixSocketsHaveNoPort) {
  ExpectAddress("unix:/tmp/relay.sock", "/tmp/relay.sock", -1);
  ExpectAddress("unix:///tmp/relay.sock", "/tmp/relay.sock", -1);
  ExpectAddress("unix:relative.sock", "relative.sock", -1);
  ExpectAddress("unix-abstract:traceprop", "traceprop", -1);
}

TEST(ServerAddressTest, MalformedTargetsGiveNothing) {
  for (const std::string& bad :
       {std::string(""), std::string("   "), std::string(":80"),
        std::string("host:"), std::string("host:http"),
        std::string("host:65536"), std::string("host:123456"),
        std::string("host:-1"), std::string("host:+80"),
        std::string("host: 80"), std::string("[::1"), std::string("[]:80"),
        std::string("[::1]80"), std::string("[::1]:x"), std::string("ipv4:"),
        std::string("ipv6:[::1"), std::string("dns://"),
        std::string("dns://8.8.8.8"), std::string("dns:///"),
        std::string("unix:"), std::string("unix-abstract:"),
        std::string("xds://no-path"), std::string("ho st:80"),
        std::string("host\n:80"), std::string("h\x7f:1"),
        std::string("ipv4:1.2.3.4:99999"), std::string("a\0b:1", 5)}) {
    SCOPED_TRACE(bad);
    EXPECT_FALSE(ParseServerAddress(bad).has_value());
  }
}

TEST(ServerAddressTest, ArbitraryBytesNeverCrash) {
  // Every 1- and 2-byte string, and long runs of the separators.
  std::string s(2, '\0');
  for (int a = 0; a < 256; ++a) {
    for (int b = 0; b < 256; ++b) {
      s[0] = static_cast<char>(a);
      s[1] = static_cast<char>(b);
      std::optional<ServerAddress> r = ParseServerAddress(s);
      if (r) {
        EXPECT_FALSE(r->address.empty());
        EXPECT_LE(r->port, 65535);
      }
    }
  }
  for (const char* sep : {":", "[", "]", "/", ","}) {
    std::string run(10000, sep[0]);
    std::optional<ServerAddress> r = ParseServerAddress(run);
    if (r) EXPECT_FALSE(r->address.empty());
  }
}

}  // namespace
}  // namespace internal
}  // namespace traceprop
