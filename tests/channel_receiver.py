"""A local stand-in for the 企业微信 and 钉钉 robot services: an HTTP server on 127.0.0.1 that
records every POST and answers HTTP 200 with the errcode a test asks for (0 by default)."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Received:
    path: str
    query: dict[str, str]
    body: dict[str, Any]


@dataclass
class Receiver:
    url: str
    received: list[Received] = field(default_factory=list)
    # The errcodes to answer, in turn; once used up, 0 (sent).
    answers: list[int] = field(default_factory=list)
    always: int | None = None  # an errcode answered to every request

    def robot(self, path: str, token: str) -> str:
        return f"{self.url}/{path}?key={token}" if path == "wecom" \
            else f"{self.url}/{path}?access_token={token}"

    def on(self, path: str) -> list[Received]:
        return [r for r in self.received if r.path == "/" + path]


def start() -> tuple[Receiver, ThreadingHTTPServer]:
    receiver: Receiver

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length).decode("utf-8"))
            receiver.received.append(Received(
                parts.path, {k: v[0] for k, v in parse_qs(parts.query).items()}, body))
            code = receiver.always if receiver.always is not None else (
                receiver.answers.pop(0) if receiver.answers else 0)
            answer = json.dumps({"errcode": code,
                                 "errmsg": "ok" if code == 0 else "keywords not in content"})
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(answer.encode())

        def log_message(self, *args):  # quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver = Receiver(f"http://127.0.0.1:{server.server_port}")
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return receiver, server
