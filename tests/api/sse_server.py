"""A tiny OpenAI-style streaming server whose behaviour each prompt scripts (standard library only).

Why: the perf tool's failure handling and metric definitions can only be checked against an
endpoint that fails on purpose and streams with known timing; a real server does neither on
demand.  The prompt (completions ``prompt``, or the last chat message) is a script:

    ok T D K        wait T s, then K content chunks D s apart, a usage chunk (completion_tokens=K), [DONE]
    nousage T D K   the same without the usage chunk
    status CODE     answer HTTP CODE with a JSON error
    flaky N         the first N requests with this exact prompt get HTTP 503, later ones ``ok 0 0 3``
    stall S         one content chunk, then silence for S s (or until the server stops)
    trickle D       a content chunk every D s, never ending (until the server stops)
    cut             one content chunk, then the connection is closed mid-stream
    anything else   ``ok 0 0 4``

A chat stream opens with an empty role delta at once, as vLLM's does, so time to first token
must skip it.  Run as a script (``python tests/api/sse_server.py [--port P]``) it serves in its
own process, for the client-overhead benchmark.
"""
from __future__ import annotations

import argparse
import json
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class ScriptedHandler(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    server: ScriptedServer

    def log_message(self, *args: Any) -> None:  # keep test output clean
        pass

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers.get('Content-Length', 0))))
        chat = self.path.endswith('/chat/completions')
        script = body['messages'][-1]['content'] if chat else body['prompt']
        self.server.on_request(self.headers.get('Authorization'), body)
        try:
            self.server.enter()
            self._serve_script(script, chat)
        except (BrokenPipeError, ConnectionResetError):
            pass
        finally:
            self.server.leave()

    def _serve_script(self, script: str, chat: bool) -> None:
        verb, *args = script.split() or ['']
        if verb == 'status':
            return self._error(int(args[0]))
        if verb == 'flaky':
            if self.server.hits(script) <= int(args[0]):
                return self._error(503)
            verb, args = 'ok', ['0', '0', '3']
        if verb not in ('ok', 'nousage', 'stall', 'trickle', 'cut'):
            verb, args = 'ok', ['0', '0', '4']
        self._start_stream(chat)
        if verb == 'stall':
            self._chunk(self._content(chat, 'w '))
            self.server.stopping.wait(float(args[0]))
            return
        if verb == 'cut':
            self._chunk(self._content(chat, 'w '))
            self.close_connection = True
            return
        if verb == 'trickle':
            while not self.server.stopping.wait(float(args[0])):
                self._chunk(self._content(chat, 'w '))
            return
        wait, gap, count = float(args[0]), float(args[1]), int(args[2])
        time.sleep(wait)
        for k in range(count):
            if k:
                time.sleep(gap)
            self._chunk(self._content(chat, 'w '))
        if verb == 'ok':
            self._chunk({'choices': [], 'usage': {'prompt_tokens': 7, 'completion_tokens': count,
                                                  'total_tokens': 7 + count}})
        self._send(b'data: [DONE]\n\n')
        self._send(b'')  # the chunked transfer's end

    def _error(self, code: int) -> None:
        payload = json.dumps({'error': {'message': f'scripted {code}', 'code': code}}).encode()
        self.send_response(code)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def _start_stream(self, chat: bool) -> None:
        self.send_response(200)
        self.send_header('Content-Type', 'text/event-stream')
        self.send_header('Transfer-Encoding', 'chunked')
        self.end_headers()
        if chat:
            self._chunk({'choices': [{'index': 0, 'delta': {'role': 'assistant', 'content': ''}}]})

    @staticmethod
    def _content(chat: bool, text: str) -> dict[str, Any]:
        return {'choices': [{'index': 0, 'delta': {'content': text}} if chat else {'index': 0, 'text': text}]}

    def _chunk(self, payload: dict[str, Any]) -> None:
        self._send(b'data: ' + json.dumps(payload).encode() + b'\n\n')

    def _send(self, data: bytes) -> None:
        self.wfile.write(f'{len(data):x}\r\n'.encode() + data + b'\r\n')
        self.wfile.flush()


class ScriptedServer(ThreadingHTTPServer):
    """Serves in a background thread while used as a context manager; ``url`` is its ``/v1`` base."""

    daemon_threads = True

    def __init__(self, port: int = 0) -> None:
        super().__init__(('127.0.0.1', port), ScriptedHandler)
        self.stopping = threading.Event()
        self.authorizations: list[str | None] = []
        self.bodies: list[dict[str, Any]] = []
        self.in_flight = self.max_in_flight = 0
        self._hits: Counter[str] = Counter()
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        return f'http://127.0.0.1:{self.server_address[1]}/v1'

    def on_request(self, authorization: str | None, body: dict[str, Any]) -> None:
        with self._lock:
            self.authorizations.append(authorization)
            self.bodies.append(body)

    def hits(self, script: str) -> int:
        with self._lock:
            self._hits[script] += 1
            return self._hits[script]

    def enter(self) -> None:
        with self._lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)

    def leave(self) -> None:
        with self._lock:
            self.in_flight -= 1

    def __enter__(self) -> ScriptedServer:
        threading.Thread(target=self.serve_forever, kwargs={'poll_interval': 0.05}, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        self.shutdown()
        self.server_close()


if __name__ == '__main__':
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--port', type=int, default=0)
    server = ScriptedServer(parser.parse_args().port)
    print(server.url, flush=True)
    server.serve_forever()
