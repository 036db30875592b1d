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
must skip it.  Run as a module (``python -m tests.api.sse_server [--port P]``) it serves in its
own process, for the client-overhead benchmark.
"""
from __future__ import annotations

import argparse
import json
import time
from typing import Any

from tests.api.scripted_http import BackgroundServer, ScriptHandler


class ScriptedHandler(ScriptHandler):
    server: ScriptedServer

    def serve(self, script: str, chat: bool, seen: int) -> None:
        self.server.enter()
        try:
            self._stream(script, chat, seen)
        finally:
            self.server.leave()

    def _stream(self, script: str, chat: bool, seen: int) -> None:
        verb, *args = script.split() or ['']
        if verb == 'status':
            return self._error(int(args[0]))
        if verb == 'flaky':
            if seen <= int(args[0]):
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
        self.reply_json(code, {'error': {'message': f'scripted {code}', 'code': code}})

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


class ScriptedServer(BackgroundServer):
    """The scripted streaming endpoint; ``max_in_flight`` is the most requests it served at once."""

    def __init__(self, port: int = 0) -> None:
        super().__init__(ScriptedHandler, port)
        self.in_flight = self.max_in_flight = 0

    def enter(self) -> None:
        with self.lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)

    def leave(self) -> None:
        with self.lock:
            self.in_flight -= 1


if __name__ == '__main__':
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--port', type=int, default=0)
    server = ScriptedServer(parser.parse_args().port)
    print(server.url, flush=True)
    server.serve_forever()
