"""A real HTTP receiver on loopback for the webhook tests: http.server in a thread of its own, keeping connections
open (HTTP/1.1), verifying every signature with the endpoint's secret as docs/api.md shows, and answering as a test
tells it: a status per call in turn (then 200), or a pause before answering (a timeout)."""

import hashlib
import hmac
import json
import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    event_id: int
    body: dict
    signature_valid: bool
    status: int


@dataclass
class Receiver:
    secret: str = ""
    statuses: deque = field(default_factory=deque)  # answers for the next calls, in turn; then 200
    delays: deque = field(default_factory=deque)  # seconds to wait before answering the next calls, in turn
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def delivered(self) -> list[Received]:
        with self.lock:
            return [item for item in self.received if 200 <= item.status < 300]


def signature_valid(secret: str, timestamp: str, body: bytes, header: str) -> bool:
    expected = "sha256=" + hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header)


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            with receiver.lock:
                delay = receiver.delays.popleft() if receiver.delays else 0
                status = receiver.statuses.popleft() if receiver.statuses else 200
            valid = signature_valid(
                receiver.secret, self.headers["X-HTG-Timestamp"], body, self.headers["X-HTG-Signature"]
            )
            with receiver.lock:  # recorded as it arrives: a late answer does not move it in the order
                receiver.received.append(Received(int(self.headers["X-HTG-Event-Id"]), json.loads(body), valid, status))
            if delay:
                time.sleep(delay)
            self.send_response(status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: object) -> None:
            pass

    return Handler


@contextmanager
def running_receiver(secret: str = "") -> Iterator[Receiver]:
    receiver = Receiver(secret=secret)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(receiver))
    server.daemon_threads = True
    receiver.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
