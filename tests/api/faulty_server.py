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

import time
from typing import Any

from tests.api.scripted_http import BackgroundServer, ScriptHandler


class FaultyHandler(ScriptHandler):
    server: FaultyServer

    def serve(self, script: str, chat: bool, seen: int) -> None:
        verb, *args = script.split() or ['ok']
        if verb == 'status' or (verb == 'flaky' and seen <= int(args[1])):
            return self.reply_json(int(args[0]), {'error': {'message': f'scripted {args[0]}'}})
        if verb == 'stall':
            self.server.stopping.wait(float(args[0]))
            return self.reply_json(200, self._answer(chat, 'late'))
        self.reply_json(200, self._answer(chat, 'fine'))

    @staticmethod
    def _answer(chat: bool, text: str) -> dict[str, Any]:
        choice = {'index': 0, 'message': {'role': 'assistant', 'content': text}} if chat else {'index': 0, 'text': text}
        return {'choices': [choice]}


class FaultyServer(BackgroundServer):
    """The scripted JSON endpoint; ``arrivals`` are the requests' arrival times (monotonic seconds)."""

    def __init__(self) -> None:
        super().__init__(FaultyHandler)
        self.arrivals: list[float] = []

    def note(self, authorization: str | None, body: dict[str, Any], script: str) -> int:
        self.arrivals.append(time.monotonic())
        return super().note(authorization, body, script)
