"""What the scripted test endpoints share: a threaded HTTP server on a free local port, run in the
background as a context manager, whose handler reads each OpenAI-style POST's *script* (the
completions ``prompt``, or the last chat message) and counts requests per script.

Why: endpoints that fail or stream on demand are how the API client and the perf tool are tested
without a real server misbehaving; each endpoint module defines only what its scripts do.
"""
from __future__ import annotations

import json
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class ScriptHandler(BaseHTTPRequestHandler):
    """Parses a POST into (script, chat?, body), notes it on the server, then ``serve(...)`` answers."""

    protocol_version = 'HTTP/1.1'
    server: BackgroundServer

    def log_message(self, *args: Any) -> None:  # keep test output clean
        pass

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers.get('Content-Length', 0))))
        chat = self.path.endswith('/chat/completions')
        script = body['messages'][-1]['content'] if chat else body['prompt']
        seen = self.server.note(self.headers.get('Authorization'), body, script)
        try:
            self.serve(script, chat, seen)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout): nothing to answer

    def serve(self, script: str, chat: bool, seen: int) -> None:
        """Answer one request; ``seen`` counts the requests with this script, this one included."""
        raise NotImplementedError

    def reply_json(self, code: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode()
        self.send_response(code)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class BackgroundServer(ThreadingHTTPServer):
    """Serves in a background thread while used as a context manager; ``url`` is its ``/v1`` base.
    ``stopping`` is set on exit, so handlers that stall or trickle end with the server."""

    daemon_threads = True

    def __init__(self, handler: type[ScriptHandler], port: int = 0) -> None:
        super().__init__(('127.0.0.1', port), handler)
        self.stopping = threading.Event()
        self.authorizations: list[str | None] = []
        self.bodies: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        self._per_script: Counter[str] = Counter()

    @property
    def url(self) -> str:
        return f'http://127.0.0.1:{self.server_address[1]}/v1'

    def note(self, authorization: str | None, body: dict[str, Any], script: str) -> int:
        """Record a request; return how many requests this script has had, this one included."""
        with self.lock:
            self.authorizations.append(authorization)
            self.bodies.append(body)
            self._per_script[script] += 1
            return self._per_script[script]

    def __enter__(self) -> BackgroundServer:
        threading.Thread(target=self.serve_forever, kwargs={'poll_interval': 0.05}, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        self.shutdown()
        self.server_close()
