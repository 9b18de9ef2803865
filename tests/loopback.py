"""A scripted HTTP server on 127.0.0.1 and a fake clock, for the tests of live fetch paths.

The server answers each path with its script of replies (the last one repeats) and records
every request; it binds the loopback address only and is shut down after each test, its thread
joined with a timeout. The fake clock takes the session's waits instead of sleeping them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from pipeline.collect import http as H

JSON = {"Content-Type": "application/json"}
HTML = {"Content-Type": "text/html; charset=utf-8"}
AUTO = -1  # content_length: send the true length


@dataclass
class Reply:
    status: int = 200
    body: bytes = b'{"ok": true}'
    headers: dict[str, str] = field(default_factory=lambda: dict(JSON))
    content_length: int | None = AUTO  # an int lies, None omits the header
    delay: float = 0.0
    stream: int = 0  # send this many bytes of b"x", written a chunk at a time, instead of body
    # send the answer a byte at a time, this many seconds apart: the body only, or with
    # "all" the status line and headers too
    trickle: float = 0.0
    trickle_from: str = "body"


class Server:
    """Answers each path with its script of replies; the last reply repeats."""

    def __init__(self) -> None:
        self.routes: dict[str, list[Reply]] = {}
        # path -> function of (path with query, request headers) -> Reply, for answers that
        # depend on the query (pages of an API)
        self.handlers: dict[str, Callable[[str, dict[str, str]], Reply]] = {}
        self.hits: list[tuple[str, dict[str, str]]] = []
        self.release = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.hits.append((self.path, dict(self.headers)))
                script = server.routes.get(self.path.split("?")[0])
                handler = server.handlers.get(self.path.split("?")[0])
                if handler is not None:
                    reply = handler(self.path, dict(self.headers))
                elif script is None:
                    reply = Reply(404, b"not found", {"Content-Type": "text/plain"})
                else:
                    reply = script.pop(0) if len(script) > 1 else script[0]
                if reply.delay:
                    server.release.wait(reply.delay)
                if reply.trickle:
                    self._trickle(reply)
                    return
                try:
                    self.send_response(reply.status)
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    size = reply.stream or len(reply.body)
                    if reply.content_length == AUTO:
                        self.send_header("Content-Length", str(size))
                    elif reply.content_length is not None:
                        self.send_header("Content-Length", str(reply.content_length))
                    self.end_headers()
                    if reply.stream:
                        piece = b"x" * 65536
                        for start in range(0, reply.stream, len(piece)):
                            self.wfile.write(piece[: reply.stream - start])
                    else:
                        self.wfile.write(reply.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up first (timeout tests)

            def _trickle(self, reply: Reply) -> None:
                head = f"HTTP/1.1 {reply.status} OK\r\n" + "".join(
                    f"{name}: {value}\r\n" for name, value in reply.headers.items()
                )
                head += f"Content-Length: {len(reply.body)}\r\n\r\n"
                slow = (head.encode() if reply.trickle_from == "all" else b"") + reply.body
                if reply.trickle_from != "all":
                    self.wfile.write(head.encode())
                    self.wfile.flush()
                try:
                    for byte in slow:
                        if server.release.wait(reply.trickle):
                            return
                        self.wfile.write(bytes([byte]))
                        self.wfile.flush()
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up: what the deadline is for
                self.close_connection = True

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def base(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def route(self, path: str, *replies: Reply) -> str:
        self.routes[path] = list(replies)
        return self.base + path

    def handle(self, path: str, handler: Callable[[str, dict[str, str]], Reply]) -> str:
        self.handlers[path] = handler
        return self.base + path

    def paths(self) -> list[str]:
        return [path.split("?")[0] for path, _ in self.hits]


@pytest.fixture
def server() -> Iterator[Server]:
    srv = Server()
    srv.thread.start()
    yield srv
    srv.release.set()
    srv.httpd.shutdown()
    srv.httpd.server_close()
    srv.thread.join(timeout=5)


server2 = server  # a second, independent host for redirect tests


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert 0 <= seconds <= 3600, seconds
        self.sleeps.append(round(seconds, 6))
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def session(clock: FakeClock, **kwargs: object) -> H.PoliteSession:
    """A session for the loopback server: no spacing between requests, waits on the fake clock,
    and short timeouts so that no test can hang on a request."""
    options: dict = {"min_interval": 0, "jitter": 0, "timeout": (2.0, 5.0), **kwargs}
    return H.PoliteSession(clock=clock, sleep=clock.sleep, **options)
