// Test-only TLS material for the OTLP exporter's TLS tests: a CA, a server
// certificate for localhost and 127.0.0.1 and a client certificate, both
// signed by the CA, with their keys (P-256, valid until 2126). Never use them
// outside tests: the keys are public. Made with openssl 3.0:
//
//   openssl ecparam -name prime256v1 -genkey -noout -out ca.key
//   openssl req -x509 -new -key ca.key -sha256 -days 36500 \
//       -subj "/CN=traceprop test CA" -out ca.pem
//   # for n in server client (key converted to PKCS#8 with openssl pkcs8):
//   openssl req -new -key $n.key -subj "/CN=traceprop test $n" -out $n.csr
//   openssl x509 -req -in $n.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
//       -days 36500 -sha256 -extfile ext_$n.cnf -out $n.pem
//
// ext_server.cnf: serverAuth, subjectAltName=DNS:localhost,IP:127.0.0.1;
// ext_client.cnf: clientAuth.

#ifndef TRACEPROP_TESTS_EXPORTERS_TLS_TEST_CERTS_H_
#define TRACEPROP_TESTS_EXPORTERS_TLS_TEST_CERTS_H_

namespace traceprop {
namespace testing_support {

inline constexpr char kTestCaPem[] = R"pem(-----BEGIN CERTIFICATE-----
MIIBjzCCATWgAwIBAgIUS9kqwl9El7zhShTSxpQtGRO+PGowCgYIKoZIzj0EAwIw
HDEaMBgGA1UEAwwRdHJhY2Vwcm9wIHRlc3QgQ0EwIBcNMjYxMjAzMDczODQ5WhgP
MjEyNjExMDkwNzM4NDlaMBwxGjAYBgNVBAMMEXRyYWNlcHJvcCB0ZXN0IENBMFkw
EwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEQotdLFMZ8PWvq4MuVe0AB1IDvPbPqXwP
gXkFL9CJVrEZbR2Lu2oCh3BeE4N8l9+NPMNJwwkAIGv9IkeSceYeYaNTMFEwHQYD
VR0OBBYEFHVSBMzJMCxXvaUgIRlXJpHlz8AAMB8GA1UdIwQYMBaAFHVSBMzJMCxX
vaUgIRlXJpHlz8AAMA8GA1UdEwEB/wQFMAMBAf8wCgYIKoZIzj0EAwIDSAAwRQIh
AJLt9UFVSFCBMM9+FEe0Y9giJWzawzhRPHWVk8Gcg6DSAiBtkt0wyGPJwxUgqWJ+
m7JQMYd+bY2cRawxQP7oY77sEA==
-----END CERTIFICATE-----
)pem";

inline constexpr char kTestServerCertPem[] = R"pem(-----BEGIN CERTIFICATE-----
MIIBzTCCAXOgAwIBAgIUAM6PoHttCc6w92b9tRqevv4T87MwCgYIKoZIzj0EAwIw
HDEaMBgGA1UEAwwRdHJhY2Vwcm9wIHRlc3QgQ0EwIBcNMjYxMjAzMDczODQ5WhgP
MjEyNjExMDkwNzM4NDlaMCAxHjAcBgNVBAMMFXRyYWNlcHJvcCB0ZXN0IHNlcnZl
cjBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABH7qqjvlZ2tAnqOkArxWl4Qrr2S4
bpDNYa7ggl/rGqnIorYsnLXpQLIuNtiGcYjIiL5PgEVhTqvP7+pr9AIoPzCjgYww
gYkwCQYDVR0TBAIwADALBgNVHQ8EBAMCBaAwEwYDVR0lBAwwCgYIKwYBBQUHAwEw
GgYDVR0RBBMwEYIJbG9jYWxob3N0hwR/AAABMB0GA1UdDgQWBBQw4Cqs2bKKXJLn
5sQvUlVeR1xDrDAfBgNVHSMEGDAWgBR1UgTMyTAsV72lICEZVyaR5c/AADAKBggq
hkjOPQQDAgNIADBFAiEA9SezEt2gZI2OOsRH8XoCtIF+3rFo2JGCcXBz4iS1CFkC
IHT1NwAJhhOPFbhodsun1B4Nqk+B92v5OtkFYiGi4llU
-----END CERTIFICATE-----
)pem";

inline constexpr char kTestServerKeyPem[] = R"pem(-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgyVQc6JYXYP0NYIv/
XVQE6tBAQ80NDH7fZNOPnJHC1xehRANCAAR+6qo75WdrQJ6jpAK8VpeEK69kuG6Q
zWGu4IJf6xqpyKK2LJy16UCyLjbYhnGIyIi+T4BFYU6rz+/qa/QCKD8w
-----END PRIVATE KEY-----
)pem";

inline constexpr char kTestClientCertPem[] = R"pem(-----BEGIN CERTIFICATE-----
MIIBsDCCAVWgAwIBAgIUAM6PoHttCc6w92b9tRqevv4T87QwCgYIKoZIzj0EAwIw
HDEaMBgGA1UEAwwRdHJhY2Vwcm9wIHRlc3QgQ0EwIBcNMjYxMjAzMDczODUwWhgP
MjEyNjExMDkwNzM4NTBaMCAxHjAcBgNVBAMMFXRyYWNlcHJvcCB0ZXN0IGNsaWVu
dDBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABBBzFqqBDRCnm2a8pM0km1Xs9uYT
CDO81f6UDNg5rDmdS8FMICDwBAi2deOCeHt3Sjp5l+G51hAmycMopnTazYKjbzBt
MAkGA1UdEwQCMAAwCwYDVR0PBAQDAgWgMBMGA1UdJQQMMAoGCCsGAQUFBwMCMB0G
A1UdDgQWBBThOC+UbekokZC83qyK3BsrwcHUwDAfBgNVHSMEGDAWgBR1UgTMyTAs
V72lICEZVyaR5c/AADAKBggqhkjOPQQDAgNJADBGAiEA00LAkS/oUyT0wqoD3paM
XQvSUJR9IiEu/CwUhmDX1pkCIQDPRodRbRiUmUO+1dDiRBcRCtohls21XJW0v8Nm
SvS+xA==
-----END CERTIFICATE-----
)pem";

inline constexpr char kTestClientKeyPem[] = R"pem(-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgv/eY+J8QWaBKgX9K
1m4DuKgHPrhwxC0qb4cmFxvgxKmhRANCAAQQcxaqgQ0Qp5tmvKTNJJtV7PbmEwgz
vNX+lAzYOaw5nUvBTCAg8AQItnXjgnh7d0o6eZfhudYQJsnDKKZ02s2C
-----END PRIVATE KEY-----
)pem";

}  // namespace testing_support
}  // namespace traceprop

#endif  // TRACEPROP_TESTS_EXPORTERS_TLS_TEST_CERTS_H_
