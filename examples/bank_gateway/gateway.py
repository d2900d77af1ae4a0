#!/usr/bin/python3
"""A payment gateway for agents and banks over an opora billing database.

Payment agents (QIWI/OSMP terminals and the many agents that speak its
protocol, Kaspi.kz) call the provider with ``command=check`` ("how much does
this account owe?") and ``command=pay`` ("credit this sum, our transaction id
is N"). This server answers them from an opora database:

    GET or POST /osmp?command=pay&txn_id=42&account=A-1001&sum=500.00&txn_date=20261123120133
    GET or POST /kaspi?command=check&txn_id=43&account=A-1001

The query string (and, for POST, a form-encoded body) goes to
``billing.gateway {protocol, query}`` unchanged; its ``http_status``,
``content_type`` and ``body`` are the response. Everything that matters is in
the library: parsing, the result codes, and idempotency by (channel, txn_id),
so an agent's retry of a pay is answered with the same receipt and credits
nothing twice, whichever process or thread gets it.

Run it as

    python3 examples/bank_gateway/gateway.py --db billing.db --port 8080 [--host 127.0.0.1]

(with ``PYTHONPATH`` pointing at the opora package). See README.md next to
this file for curl examples and what to put in front of it in production.

Its log holds no personal data: an account may be the payer's IIN or phone, so
every log line masks the request as :mod:`opora.redact` says (identifiers keep
their last 4 characters, names nothing; command, txn_id, sum and txn_date stay).
"""

from __future__ import annotations

import argparse
import contextlib
import http.server
import ipaddress
import logging
import os
import queue
import re
import signal
import string
import sys
import traceback
import typing
import urllib.parse

import opora
from opora import redact

if typing.TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

LOG = logging.getLogger("bank_gateway")

# URL path -> billing.gateway protocol.
PROTOCOLS: dict[str, typing.Literal["osmp", "kaspi"]] = {"/osmp": "osmp", "/kaspi": "kaspi"}

# Agents send a few short parameters; anything much larger is not one of them.
MAX_BODY_BYTES = 64 * 1024

# Characters passed through as they are when the raw query is made ASCII:
# everything printable but the space; other bytes become %XX.
_QUERY_SAFE = "".join(c for c in string.printable if c not in string.whitespace)


_QUERY_IN_TEXT = re.compile(r"\?([^\s\"']*)")


def masked(text: str) -> str:
    """A log line's text with personal data masked: the query of any request target
    in it by redact.query, other digits and e-mails by redact.text."""
    parts = _QUERY_IN_TEXT.split(text)  # text, query, text, query, ..., text
    return "".join(redact.text(p) if i % 2 == 0 else "?" + redact.query(p)
                   for i, p in enumerate(parts))


def wire_query(raw: bytes) -> str:
    """The query as text for billing.gateway: ASCII kept, any other byte (an agent
    that sends UTF-8 unescaped) percent-encoded, so the library decodes and checks
    it like any escape instead of the server guessing an encoding."""
    return urllib.parse.quote_from_bytes(raw, safe=_QUERY_SAFE)


class HandlePool:
    """A fixed set of open opora handles. A request borrows one for its call and
    gives it back; several handles let reads run side by side (opora serialises
    calls on one handle; SQLite serialises the writes of all of them)."""

    def __init__(self, path: str | os.PathLike[str], size: int, **options: object) -> None:
        self._all: list[opora.Database] = []
        self._free: queue.LifoQueue[opora.Database] = queue.LifoQueue()
        try:
            for _ in range(size):
                db = opora.open(path, **options)
                self._all.append(db)
                self._free.put(db)
        except BaseException:
            self.close()
            raise

    @contextlib.contextmanager
    def handle(self) -> Iterator[opora.Database]:
        """Borrows a handle for the length of the ``with`` block."""
        db = self._free.get()
        try:
            yield db
        finally:
            self._free.put(db)

    def close(self) -> None:
        """Closes every handle, each after the call running on it (if any)."""
        for db in self._all:
            db.close()


class GatewayServer(http.server.ThreadingHTTPServer):
    """The HTTP server: one thread per connection, opora handles from a pool."""

    daemon_threads = True
    # Agents retry in bursts; the default backlog of 5 drops connections (and the
    # client's SYN retry then costs it a second or more).
    request_queue_size = 128

    def __init__(
        self,
        address: tuple[str, int],
        pool: HandlePool,
        allow: Sequence[ipaddress.IPv4Network | ipaddress.IPv6Network] = (),
    ) -> None:
        super().__init__(address, GatewayHandler)
        self.pool = pool
        self.allow = list(allow)

    def server_close(self) -> None:
        super().server_close()
        self.pool.close()

    def allows(self, host: str) -> bool:
        if not self.allow:
            return True
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            return False
        return any(address in network for network in self.allow)


class GatewayHandler(http.server.BaseHTTPRequestHandler):
    """Answers GET and POST on /osmp and /kaspi."""

    server: GatewayServer
    protocol_version = "HTTP/1.1"  # keep-alive: agents send check and pay back to back
    server_version = "opora-bank-gateway"

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        self._answer(b"")

    def do_POST(self) -> None:  # noqa: N802
        length = self.headers.get("Content-Length")
        if length is None or not length.isdigit():
            self._send(411, "text/plain; charset=utf-8", b"Content-Length required\n")
            self.close_connection = True  # where the body ends is unknown
            return
        if int(length) > MAX_BODY_BYTES:
            self._send(413, "text/plain; charset=utf-8", b"request body too large\n")
            self.close_connection = True  # the body was not read
            return
        self._answer(self.rfile.read(int(length)))

    def _answer(self, body: bytes) -> None:
        if not self.server.allows(self.client_address[0]):
            self._send(403, "text/plain; charset=utf-8", b"forbidden\n")
            return
        # self.path is the request target as sent, decoded as Latin-1 by http.server.
        target = self.path.encode("latin-1")
        path, _, query = target.partition(b"?")
        protocol = PROTOCOLS.get(path.decode("latin-1").rstrip("/"))
        if protocol is None:
            self._send(404, "text/plain; charset=utf-8", b"not found: use /osmp or /kaspi\n")
            return
        wire = "&".join(wire_query(part) for part in (query, body.strip()) if part)
        try:
            with self.server.pool.handle() as db:
                result = db.billing.gateway(protocol=protocol, query=wire)
        except (opora.Busy, opora.StorageError) as e:
            # Nothing was decided: a non-200 tells the agent to retry later.
            LOG.warning("%s %s: %s", protocol, redact.query(wire), redact.text(e))
            self._send(503, "text/plain; charset=utf-8", b"temporarily unavailable\n",
                       {"Retry-After": "5"})
            return
        except Exception as e:
            # An unexpected message may quote the payer (a name, an IIN): only the
            # exception's type and where it was raised go to the log.
            stack = "".join(f"\n  {f.filename}:{f.lineno} in {f.name}"
                            for f in traceback.extract_tb(e.__traceback__))
            LOG.error("%s %s: internal error %s%s", protocol, redact.query(wire),
                      type(e).__name__, stack)
            self._send(500, "text/plain; charset=utf-8", b"internal error\n")
            return
        LOG.info("%s %s -> result %s", protocol, redact.query(wire), result.get("result"))
        self._send(result["http_status"], result["content_type"], result["body"].encode("utf-8"))

    def _send(self, status: int, content_type: str, body: bytes,
              headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        # http.server's own lines quote the request line, query string included.
        LOG.debug("%s %s", self.address_string(), masked(format % args))


def make_server(
    db_path: str | os.PathLike[str],
    host: str = "127.0.0.1",
    port: int = 8080,
    *,
    handles: int = 4,
    allow: Sequence[str] = (),
    **options: object,
) -> GatewayServer:
    """A gateway server bound to (host, port) (port 0: any free port, see
    ``server.server_address``) over the opora database at ``db_path``. ``options``
    go to :func:`opora.open` (``busy_timeout_ms`` defaults to 10000). Call
    ``serve_forever()`` on it, and ``server_close()`` when done."""
    options.setdefault("busy_timeout_ms", 10000)
    networks = [ipaddress.ip_network(a, strict=False) for a in allow]
    pool = HandlePool(db_path, handles, **options)
    try:
        return GatewayServer((host, port), pool, networks)
    except BaseException:
        pool.close()
        raise


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="OSMP (QIWI) and Kaspi check/pay gateway over an opora billing database.")
    parser.add_argument("--db", required=True, help="the opora database file (must exist)")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8080, help="port (0: any free one)")
    parser.add_argument("--handles", type=int, default=4, help="open database handles")
    parser.add_argument("--allow", action="append", default=[], metavar="NETWORK",
                        help="accept requests only from this address or network (repeatable)")
    parser.add_argument("--verbose", action="store_true", help="log every request")
    args = parser.parse_args(argv)

    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(message)s")
    if not os.path.isfile(args.db):
        # opora.open would create an empty database that answers "account not found".
        parser.error(f"no database at {args.db}")
    if args.handles < 1:
        parser.error("--handles must be at least 1")

    server = make_server(args.db, args.host, args.port, handles=args.handles, allow=args.allow)
    # SIGTERM (systemd, docker stop) ends serve_forever() like Ctrl-C does.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
    host, port = server.socket.getsockname()[:2]
    print(f"listening on http://{host}:{port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
