"""Tiny in-process HTTP fakes of the geocoding services geopy talks to.

:class:`FakeNominatim` answers ``GET /search`` like Nominatim (a JSON array of places, lat/lon as
strings); :class:`FakeBaidu` answers ``GET /geocoding/v3/`` like Baidu's geocoding v3 API. Both
record every request, and can be switched to ``mode = "down"`` (HTTP 503) or ``"slow"`` (sleep past
the client's timeout) to simulate an outage.

    with FakeNominatim({"上海市 人民广场": (31.2304, 121.4737, "人民广场, 黄浦区, 上海市, 中国")}) as fake:
        settings.GEOCODER = {**settings.GEOCODER, "domain": fake.domain, "scheme": "http"}
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal, Self
from urllib.parse import parse_qs, urlsplit

Mode = Literal["ok", "down", "slow"]


@dataclass(frozen=True)
class RecordedRequest:
    path: str
    params: dict[str, str]
    headers: dict[str, str]
    at: float = field(compare=False)  # time.monotonic() when the request arrived

    @property
    def user_agent(self) -> str | None:
        return self.headers.get("user-agent")


class _FakeServer:
    """Base: a ThreadingHTTPServer on 127.0.0.1 (free port) serving from a background thread."""

    path: str = "/"

    def __init__(self, places: dict[str, tuple[float, float, str]] | None = None, *, slow_s: float = 2.0):
        self.places = dict(places or {})
        self.mode: Mode = "ok"
        self.slow_s = slow_s
        self.requests: list[RecordedRequest] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle --------------------------------------------------------------------------------

    def start(self) -> Self:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                fake._handle(self)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        # The client gives up on a "slow" answer and closes the socket; the late write is expected.
        server.handle_error = lambda request, client_address: None
        self._server = server
        # A short poll interval keeps shutdown() (and so each test's teardown) quick.
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name=type(self).__name__, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._server is not None, "server not started"
        return self._server.server_address[1]

    @property
    def domain(self) -> str:
        return f"127.0.0.1:{self.port}"

    # --- requests ---------------------------------------------------------------------------------

    def requests_to(self, path: str | None = None) -> list[RecordedRequest]:
        path = self.path if path is None else path
        with self._lock:
            return [r for r in self.requests if r.path == path]

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        url = urlsplit(handler.path)
        params = {k: v[-1] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        recorded = RecordedRequest(
            path=url.path,
            params=params,
            headers={k.lower(): v for k, v in handler.headers.items()},
            at=time.monotonic(),
        )
        with self._lock:
            self.requests.append(recorded)

        if self.mode == "down":
            self._send(handler, 503, {"error": "Service Unavailable"})
            return
        if self.mode == "slow":
            time.sleep(self.slow_s)
        if url.path != self.path:
            self._send(handler, 404, {"error": "Not found"})
            return
        self._send(handler, 200, self.answer(params))

    @staticmethod
    def _send(handler: BaseHTTPRequestHandler, status: int, body: Any) -> None:
        payload = json.dumps(body, ensure_ascii=False).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json; charset=utf-8")
        handler.send_header("Content-Length", str(len(payload)))
        handler.end_headers()
        handler.wfile.write(payload)

    def answer(self, params: dict[str, str]) -> Any:
        raise NotImplementedError


class FakeNominatim(_FakeServer):
    """``GET /search?q=...&format=json&limit=1&countrycodes=cn&accept-language=zh``.

    ``places`` maps the exact ``q`` to ``(lat, lon, display_name)``; any other query gets ``[]``.
    """

    path = "/search"

    def answer(self, params: dict[str, str]) -> Any:
        known = self.places.get(params.get("q", ""))
        if known is None:
            return []
        lat, lon, display_name = known
        place_id = abs(hash(display_name)) % 10**9
        return [
            {
                "place_id": place_id,
                "licence": "Data © OpenStreetMap contributors, ODbL 1.0. https://osm.org/copyright",
                "osm_type": "node",
                "osm_id": place_id,
                "lat": f"{lat:.7f}",
                "lon": f"{lon:.7f}",
                "class": "place",
                "type": "square",
                "place_rank": 30,
                "importance": 0.5,
                "addresstype": "square",
                "name": display_name.split(",")[0],
                "display_name": display_name,
                "boundingbox": [
                    f"{lat - 0.001:.7f}",
                    f"{lat + 0.001:.7f}",
                    f"{lon - 0.001:.7f}",
                    f"{lon + 0.001:.7f}",
                ],
            }
        ]


class FakeBaidu(_FakeServer):
    """``GET /geocoding/v3/?ak=...&output=json&address=...`` (Baidu Maps geocoding v3).

    ``places`` maps the exact ``address`` to ``(lat, lng, level)`` in BD-09; any other address gets
    Baidu's "no match" answer (status 1, msg "...无相关结果").
    """

    path = "/geocoding/v3/"

    def answer(self, params: dict[str, str]) -> Any:
        known = self.places.get(params.get("address", ""))
        if known is None:
            return {"status": 1, "msg": "Internal Service Error:无相关结果", "results": []}
        lat, lng, level = known
        return {
            "status": 0,
            "result": {
                "location": {"lng": lng, "lat": lat},
                "precise": 1,
                "confidence": 80,
                "comprehension": 100,
                "level": level,
            },
        }
