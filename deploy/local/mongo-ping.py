#!/usr/bin/env python3
"""mongo-ping.py HOST:PORT [TIMEOUT_S] [--roundtrip] -- MongoDB wire-protocol probe.

Sends OP_MSG {ping: 1, $db: "admin"} over a plain TCP socket and exits 0 only if the
server answers ok == 1. With --roundtrip it also inserts a document into
finchat.selftest, finds it again by _id (checking with explain that the lookup uses the _id index, which
FerretDB 1.24 only does with deploy/local/ferretdb/patches) and deletes it. Standard library only; used
by deploy/local/stack.sh (readiness of FerretDB: really serving, not just an open
port) and by tests/integration/01-stack.sh.
"""
import os
import socket
import struct
import sys

OP_MSG = 2013


def bson_encode(doc):
    """Encode a dict (keys in order) with str, int, float, bool, None, dict, list values."""
    body = b""
    for key, value in doc.items():
        k = str(key).encode() + b"\x00"
        if isinstance(value, bool):
            body += b"\x08" + k + (b"\x01" if value else b"\x00")
        elif isinstance(value, int):
            if -(2**31) <= value < 2**31:
                body += b"\x10" + k + struct.pack("<i", value)
            else:
                body += b"\x12" + k + struct.pack("<q", value)
        elif isinstance(value, float):
            body += b"\x01" + k + struct.pack("<d", value)
        elif isinstance(value, str):
            v = value.encode() + b"\x00"
            body += b"\x02" + k + struct.pack("<i", len(v)) + v
        elif value is None:
            body += b"\x0a" + k
        elif isinstance(value, dict):
            body += b"\x03" + k + bson_encode(value)
        elif isinstance(value, (list, tuple)):
            body += b"\x04" + k + bson_encode({str(i): v for i, v in enumerate(value)})
        else:
            raise TypeError(f"cannot encode {type(value).__name__}")
    return struct.pack("<i", len(body) + 5) + body + b"\x00"


def bson_decode(buf, pos=0):
    """Decode the document at buf[pos:]; returns a dict (arrays become lists)."""
    (size,) = struct.unpack_from("<i", buf, pos)
    end, pos, out = pos + size - 1, pos + 4, {}
    while pos < end:
        etype = buf[pos]
        nul = buf.index(b"\x00", pos + 1)
        name = buf[pos + 1:nul].decode(errors="replace")
        pos = nul + 1
        if etype == 0x01:
            val, pos = struct.unpack_from("<d", buf, pos)[0], pos + 8
        elif etype in (0x02, 0x0D, 0x0E):
            n = struct.unpack_from("<i", buf, pos)[0]
            val, pos = buf[pos + 4:pos + 3 + n].decode(errors="replace"), pos + 4 + n
        elif etype in (0x03, 0x04):
            n = struct.unpack_from("<i", buf, pos)[0]
            val = bson_decode(buf, pos)
            if etype == 0x04:
                val = list(val.values())
            pos += n
        elif etype == 0x05:
            n = struct.unpack_from("<i", buf, pos)[0]
            val, pos = buf[pos + 5:pos + 5 + n], pos + 5 + n
        elif etype == 0x07:
            val, pos = buf[pos:pos + 12].hex(), pos + 12
        elif etype == 0x08:
            val, pos = buf[pos] != 0, pos + 1
        elif etype in (0x09, 0x12, 0x11):
            val, pos = struct.unpack_from("<q", buf, pos)[0], pos + 8
        elif etype == 0x0A:
            val = None
        elif etype == 0x10:
            val, pos = struct.unpack_from("<i", buf, pos)[0], pos + 4
        elif etype == 0x13:
            val, pos = buf[pos:pos + 16], pos + 16
        else:
            raise ValueError(f"unsupported BSON type 0x{etype:02x}")
        out[name] = val
    return out


def recv_exact(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("connection closed by server")
        buf += chunk
    return buf


class Conn:
    def __init__(self, addr, timeout):
        host, _, port = addr.rpartition(":")
        self.sock = socket.create_connection((host or "127.0.0.1", int(port)), timeout=timeout)
        self.request_id = 0

    def command(self, doc):
        """Send one OP_MSG command and return the reply document; raise unless ok == 1."""
        self.request_id += 1
        payload = struct.pack("<I", 0) + b"\x00" + bson_encode(doc)
        self.sock.sendall(struct.pack("<iiii", 16 + len(payload), self.request_id, 0, OP_MSG) + payload)
        length, _, _, opcode = struct.unpack("<iiii", recv_exact(self.sock, 16))
        body = recv_exact(self.sock, length - 16)
        if opcode != OP_MSG or len(body) < 10 or body[4] != 0:
            raise ValueError(f"unexpected reply (opcode {opcode})")
        reply = bson_decode(body, 5)
        if reply.get("ok") != 1:
            raise ValueError(f"{next(iter(doc))} failed: {reply.get('errmsg', reply)}")
        return reply

    def close(self):
        self.sock.close()


def roundtrip(conn):
    doc_id = "selftest-" + os.urandom(6).hex()
    conn.command({"insert": "selftest", "documents": [{"_id": doc_id, "n": 42, "s": "héllo"}], "$db": "finchat"})
    found = conn.command({"find": "selftest", "filter": {"_id": doc_id}, "$db": "finchat"})
    batch = found.get("cursor", {}).get("firstBatch", [])
    plan = conn.command({"explain": {"find": "selftest", "filter": {"_id": doc_id}}, "$db": "finchat"})
    conn.command({"delete": "selftest", "deletes": [{"q": {"_id": doc_id}, "limit": 1}], "$db": "finchat"})
    if len(batch) != 1 or batch[0].get("n") != 42 or batch[0].get("s") != "héllo":
        raise ValueError(f"find returned {batch!r}")
    details = [v for v in strings(plan) if "detail=" in v]
    if not any("USING INDEX" in d for d in details):
        raise ValueError("a lookup by _id does not use the _id index (query plan: %s); FerretDB "
                         "must be built with deploy/local/ferretdb/patches" % (details or plan))


def strings(v):
    """Every string inside a decoded document."""
    if isinstance(v, str):
        yield v
    elif isinstance(v, dict):
        for x in v.values():
            yield from strings(x)
    elif isinstance(v, list):
        for x in v:
            yield from strings(x)


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    if not args:
        print(__doc__.strip().splitlines()[0], file=sys.stderr)
        return 2
    timeout = float(args[1]) if len(args) > 1 else 3.0
    try:
        conn = Conn(args[0], timeout)
        try:
            conn.command({"ping": 1, "$db": "admin"})
            if "--roundtrip" in sys.argv:
                roundtrip(conn)
        finally:
            conn.close()
    except (OSError, ValueError, struct.error) as e:
        print(f"mongo-ping: {args[0]}: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
