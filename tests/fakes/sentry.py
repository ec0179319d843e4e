"""A stand-in for Sentry's ingestion: a tiny HTTP server on 127.0.0.1 that accepts what sentry_sdk's own transport
sends to ``POST /api/<project>/envelope/`` (gzip'd, brotli'd or plain), parses the envelopes and keeps their items.

    with FakeSentry() as sentry:
        dsn = sentry.dsn(project=42)        # http://public@127.0.0.1:<port>/42
        ...                                  # the real sentry_sdk client reports there
        [event] = sentry.wait_for_events(1)
"""

from __future__ import annotations

import gzip
import json
import re
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

_ENVELOPE_PATH = re.compile(r"^/api/(?P<project>\d+)/envelope/$")


@dataclass(frozen=True)
class Envelope:
    project: int
    headers: dict[str, Any]
    items: list[tuple[dict[str, Any], Any]]  # (item header, payload: parsed JSON, or bytes when it is not JSON)
    raw: bytes  # the decompressed body, for checks on what left the process


def parse_envelope(body: bytes) -> tuple[dict[str, Any], list[tuple[dict[str, Any], Any]]]:
    """Sentry's envelope format: a JSON header line, then per item a JSON header line and its payload (``length``
    bytes when the header gives it, else up to the next newline)."""
    header_line, _, rest = body.partition(b"\n")
    items = []
    while rest.strip():
        item_line, _, rest = rest.partition(b"\n")
        item_header = json.loads(item_line)
        length = item_header.get("length")
        if length is None:
            payload, _, rest = rest.partition(b"\n")
        else:
            payload, rest = rest[:length], rest[length:].removeprefix(b"\n")
        try:
            items.append((item_header, json.loads(payload)))
        except ValueError:
            items.append((item_header, payload))
    return json.loads(header_line), items


class FakeSentry:
    def __init__(self) -> None:
        self.envelopes: list[Envelope] = []
        self.rejected: list[str] = []  # paths that were not an envelope endpoint
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    def start(self) -> Self:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                encoding = self.headers.get("Content-Encoding")
                if encoding == "gzip":
                    body = gzip.decompress(body)
                elif encoding == "br":  # sentry-sdk's choice whenever the brotli package is installed
                    import brotli

                    body = brotli.decompress(body)
                match = _ENVELOPE_PATH.match(self.path)
                if not match:
                    with fake._lock:
                        fake.rejected.append(self.path)
                    self.send_response(404)
                    self.end_headers()
                    return
                headers, items = parse_envelope(body)
                with fake._lock:
                    fake.envelopes.append(Envelope(int(match["project"]), headers, items, body))
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._server is not None
        return self._server.server_address[1]

    def dsn(self, *, project: int = 1, key: str = "public") -> str:
        return f"http://{key}@127.0.0.1:{self.port}/{project}"

    def events(self) -> list[dict[str, Any]]:
        """The error events received so far (items of type ``event``)."""
        with self._lock:
            return [payload for e in self.envelopes for header, payload in e.items if header.get("type") == "event"]

    def wait_for_events(self, count: int, *, timeout: float = 10.0) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while len(self.events()) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"{count} events expected, {len(self.events())} arrived: {self.envelopes}")
            time.sleep(0.05)
        return self.events()
