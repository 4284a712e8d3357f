"""A real HTTP server in a thread that receives webhooks and checks their signatures as the README says to."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    event: str
    body: dict
    signature_ok: bool
    fresh: bool


@dataclass
class Receiver:
    secret: str = ""
    # Answers to give, in order (then 200): e.g. [500] fails the first delivery.
    answers: list[int] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    url: str = ""

    def verify(self, header: str, raw: bytes) -> tuple[bool, bool]:
        """(signature matches, timestamp within 5 minutes): the check the README shows receivers."""
        parts = dict(item.split("=", 1) for item in header.split(",") if "=" in item)
        timestamp = parts.get("t", "0")
        expected = hmac.new(self.secret.encode(), f"{timestamp}.".encode() + raw, hashlib.sha256).hexdigest()
        fresh = timestamp.isdigit() and abs(time.time() - int(timestamp)) < 300
        return hmac.compare_digest(expected, parts.get("v1", "")), fresh


def start(receiver: Receiver) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            ok, fresh = receiver.verify(self.headers.get("Reunite-Signature", ""), raw)
            receiver.received.append(Received(self.headers.get("Reunite-Event", ""), json.loads(raw), ok, fresh))
            status = receiver.answers.pop(0) if receiver.answers else 200
            self.send_response(status)
            if 300 <= status < 400:
                self.send_header("Location", "http://example.org/elsewhere")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args) -> None:  # keep the test output quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/reunite"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server
