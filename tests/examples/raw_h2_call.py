#!/usr/bin/env python3
"""raw_h2_call.py — one gRPC call sent as hand-made HTTP/2 frames.

    raw_h2_call.py HOST:PORT /pkg.Service/Method NAME=VALUE...

Sends the request headers exactly as given — including bytes a real gRPC
client refuses to send (CR, LF, other control bytes; write them as Python
escapes such as '\\r\\n' in VALUE) — and an empty request message, the way an
attacker's client would. Prints one line: the escaped bytes of every DATA
frame the server answered with (the response message), then exits 0 when
the stream ended (trailers, RST_STREAM or GOAWAY) within 10 seconds, 1
otherwise. Standard library only.
"""

import socket
import struct
import sys


def hpack_int(value, prefix_bits, first_byte_flags=0):
    """HPACK integer (RFC 7541 §5.1) with an N-bit prefix."""
    limit = (1 << prefix_bits) - 1
    if value < limit:
        return bytes([first_byte_flags | value])
    out = [first_byte_flags | limit]
    value -= limit
    while value >= 128:
        out.append((value % 128) | 128)
        value //= 128
    out.append(value)
    return bytes(out)


def hpack_string(raw):
    """A string literal without Huffman coding (RFC 7541 §5.2)."""
    return hpack_int(len(raw), 7) + raw


def literal_header(name, value):
    """Literal header field without indexing, new name (RFC 7541 §6.2.2)."""
    return b"\x00" + hpack_string(name) + hpack_string(value)


def frame(kind, flags, stream, payload):
    return struct.pack(">I", len(payload))[1:] + bytes([kind, flags]) + \
        struct.pack(">I", stream) + payload


def read_exact(sock, n):
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise EOFError
        data += chunk
    return data


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    host, port = argv[1].rsplit(":", 1)
    path = argv[2].encode()
    extra = []
    for arg in argv[3:]:
        name, value = arg.split("=", 1)
        extra.append((name.encode(),
                      value.encode("latin-1").decode("unicode_escape")
                      .encode("latin-1")))

    headers = [(b":method", b"POST"), (b":scheme", b"http"),
               (b":path", path), (b":authority", argv[1].encode()),
               (b"content-type", b"application/grpc"), (b"te", b"trailers")]
    block = b"".join(literal_header(n, v) for n, v in headers + extra)

    sock = socket.create_connection((host, int(port)), timeout=10)
    sock.sendall(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + frame(4, 0, 0, b""))
    sock.sendall(frame(1, 0x4, 1, block))                  # END_HEADERS
    sock.sendall(frame(0, 0x1, 1, b"\x00\x00\x00\x00\x00"))  # empty message
    body = b""
    try:
        while True:
            length, kind, flags, stream = struct.unpack(
                ">IBBI", b"\x00" + read_exact(sock, 9))
            payload = read_exact(sock, length)
            if kind == 4 and not flags & 0x1:                # SETTINGS
                sock.sendall(frame(4, 0x1, 0, b""))
            elif kind == 0 and stream == 1:                  # DATA
                body += payload
            if (kind in (0, 1) and stream == 1 and flags & 0x1) or \
                    (kind == 3 and stream == 1) or kind == 7:
                print(repr(body))
                return 0
    except (EOFError, socket.timeout, OSError) as error:
        print(f"no end of stream: {error!r}; data so far {body!r}")
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
