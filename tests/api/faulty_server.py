"""A tiny OpenAI-style JSON server (standard library, in a thread) that fails on purpose.

Why: retries, fatal errors, timeouts and the rate limit of the API model can only be
checked against an endpoint that misbehaves on demand.  The prompt (completions
``prompt``, or the last chat message) scripts the answer:

    ok              200 with the text 'fine'
    flaky CODE N    the first N requests with this exact prompt get HTTP CODE, later ones 'fine'
    status CODE     always HTTP CODE with a JSON error
    stall S         no answer for S s (or until the server stops)

Every request is recorded (arrival time, Authorization header, body) for the tests to count.
"""
from __future__ import annotations

import json
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class FaultyHandler(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    server: FaultyServer

    def log_message(self, *args: Any) -> None:  # keep test output clean
        pass

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers.get('Content-Length', 0))))
        chat = self.path.endswith('/chat/completions')
        script = body['messages'][-1]['content'] if chat else body['prompt']
        seen = self.server.record(self.headers.get('Authorization'), body, script)
        verb, *args = script.split() or ['ok']
        try:
            if verb == 'status' or (verb == 'flaky' and seen <= int(args[1])):
                return self._reply(int(args[0]), {'error': {'message': f'scripted {args[0]}'}})
            if verb == 'stall':
                self.server.stopping.wait(float(args[0]))
                return self._reply(200, self._answer(chat, 'late'))
            self._reply(200, self._answer(chat, 'fine'))
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout): nothing to answer

    @staticmethod
    def _answer(chat: bool, text: str) -> dict[str, Any]:
        choice = {'index': 0, 'message': {'role': 'assistant', 'content': text}} if chat else {'index': 0, 'text': text}
        return {'choices': [choice]}

    def _reply(self, code: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode()
        self.send_response(code)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class FaultyServer(ThreadingHTTPServer):
    """Serves in a background thread while used as a context manager; ``url`` is its ``/v1`` base."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(('127.0.0.1', 0), FaultyHandler)
        self.stopping = threading.Event()
        self.arrivals: list[float] = []
        self.authorizations: list[str | None] = []
        self._per_script: Counter[str] = Counter()
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        return f'http://127.0.0.1:{self.server_address[1]}/v1'

    def record(self, authorization: str | None, body: dict[str, Any], script: str) -> int:
        """Note a request; return how many requests this script has had, this one included."""
        with self._lock:
            self.arrivals.append(time.monotonic())
            self.authorizations.append(authorization)
            self._per_script[script] += 1
            return self._per_script[script]

    def __enter__(self) -> FaultyServer:
        threading.Thread(target=self.serve_forever, kwargs={'poll_interval': 0.05}, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        self.shutdown()
        self.server_close()
