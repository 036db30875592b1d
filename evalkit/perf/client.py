"""One streamed request to an OpenAI-compatible endpoint, timed token by token.

Why a client of its own rather than the API model's: a stress test needs the arrival time of
every streamed chunk, the server's own token counts and a record of each failure by kind,
while an evaluation needs only the final text.  The request is a POST (through the lean
``evalkit.perf.http``) with ``stream: true`` and ``stream_options.include_usage`` (so the last chunk carries the server's
token counts); timings use ``time.perf_counter``.  A request never hangs: a stalled stream
fails with ``stall`` after ``stall_timeout`` seconds without a byte, and the whole request,
retries included, is cut at ``deadline`` seconds.
"""
from __future__ import annotations

import asyncio
import json
import random
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from evalkit.perf.http import ConnectionPool, HttpFailure
from evalkit.perf.prompts import PerfPrompt

Api = Literal['chat', 'completions']
ENDPOINTS: dict[str, str] = {'chat': '/chat/completions', 'completions': '/completions'}
# Failures worth another attempt: the server was busy or briefly broken, or the network was.
RETRYABLE_KINDS = frozenset({'http_429', 'http_5xx', 'connect', 'stall', 'broken_stream'})


@dataclass(frozen=True)
class RetryPolicy:
    """``retries`` extra attempts on a retryable failure, waiting ``backoff * 2**n`` seconds
    (capped at ``max_backoff``, with up to 50% random jitter so clients do not retry in step)."""

    retries: int = 0
    backoff: float = 0.5
    max_backoff: float = 8.0

    def delay(self, attempt: int) -> float:
        base = min(self.max_backoff, self.backoff * 2 ** attempt)
        return base * (1 + 0.5 * random.random())


@dataclass
class RequestRecord:
    """What happened to one request; times in seconds, ``start`` relative to the load level's start."""

    index: int
    ok: bool = False
    error_kind: str | None = None
    error: str = ''
    start: float = 0.0
    ttft: float | None = None
    e2el: float | None = None
    itl: list[float] = field(default_factory=list)
    prompt_tokens: int | None = None
    output_tokens: int | None = None
    tokens_from: str | None = None  # 'usage' (the server's count) or 'tokenizer'
    attempts: int = 0
    text: str = ''

    @property
    def tpot(self) -> float | None:
        """Time per output token after the first: (latency - TTFT) / (output tokens - 1)."""
        if not self.ok or self.ttft is None or self.e2el is None or not self.output_tokens or self.output_tokens < 2:
            return None
        return (self.e2el - self.ttft) / (self.output_tokens - 1)

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), 'tpot': self.tpot}


class RequestFailed(Exception):
    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


def _status_kind(status: int) -> str:
    if status == 429:
        return 'http_429'
    return 'http_5xx' if status >= 500 else f'http_{status}'


def _delta_text(api: Api, chunk: dict[str, Any]) -> str:
    choices = chunk.get('choices') or []
    if not choices:
        return ''
    if api == 'chat':
        return (choices[0].get('delta') or {}).get('content') or ''
    return choices[0].get('text') or ''


@dataclass
class ClientSettings:
    """How every request of a run is sent (the command line's request options)."""

    base_url: str
    model: str
    api: Api = 'chat'
    api_key: str | None = None
    max_tokens: int = 128
    min_tokens: int | None = None
    ignore_eos: bool = False
    temperature: float = 0.0
    stall_timeout: float = 60.0
    deadline: float = 600.0
    retry: RetryPolicy = field(default_factory=RetryPolicy)


class StreamingClient:
    """Sends prompts as streamed requests over kept-alive connections; ``async with`` closes them."""

    def __init__(self, settings: ClientSettings, count_tokens: Callable[[str], int] | None = None) -> None:
        self.settings = settings
        self.count_tokens = count_tokens
        self.path = ENDPOINTS[settings.api]
        self.headers = {'Content-Type': 'application/json'}
        if settings.api_key:
            self.headers['Authorization'] = f'Bearer {settings.api_key}'
        self._pool = ConnectionPool(settings.base_url)

    async def __aenter__(self) -> StreamingClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._pool.close()

    def payload(self, prompt: PerfPrompt) -> dict[str, Any]:
        s = self.settings
        max_tokens = prompt.output_len or s.max_tokens
        body: dict[str, Any] = {'model': s.model, 'max_tokens': max_tokens, 'temperature': s.temperature,
                                'stream': True, 'stream_options': {'include_usage': True}}
        if s.api == 'chat':
            body['messages'] = prompt.messages()
        else:
            body['prompt'] = prompt.text()
        if s.min_tokens:
            body['min_tokens'] = s.min_tokens
        if s.ignore_eos:
            body['ignore_eos'] = True
        return body

    async def send(self, index: int, prompt: PerfPrompt, t0: float) -> RequestRecord:
        """Send ``prompt`` (retrying as configured) and time it; ``t0`` is the level's start time."""
        record = RequestRecord(index=index, start=time.perf_counter() - t0)
        body = json.dumps(self.payload(prompt)).encode()
        try:
            await asyncio.wait_for(self._attempts(record, body), timeout=self.settings.deadline)
        except (asyncio.TimeoutError, TimeoutError):
            record.ok, record.error_kind = False, 'timeout'
            record.error = f'no complete answer within the {self.settings.deadline:g} s deadline'
        if record.ok:
            self._fill_token_counts(record, prompt)
        return record

    async def _attempts(self, record: RequestRecord, body: bytes) -> None:
        retry = self.settings.retry
        for attempt in range(retry.retries + 1):
            record.attempts = attempt + 1
            try:
                await self._stream(record, body)
                record.ok, record.error_kind, record.error = True, None, ''
                return
            except RequestFailed as exc:
                record.error_kind, record.error = exc.kind, str(exc)
            if record.error_kind not in RETRYABLE_KINDS or attempt == retry.retries:
                return
            await asyncio.sleep(retry.delay(attempt))

    async def _stream(self, record: RequestRecord, body: bytes) -> None:
        """One attempt: TTFT at the first non-empty content delta, an ITL between content deltas."""
        record.text, record.itl, record.ttft = '', [], None
        record.output_tokens = record.prompt_tokens = record.tokens_from = None
        started = time.perf_counter()
        last = started
        pieces = []
        try:
            async with self._pool.post(self.path, body, self.headers, self.settings.stall_timeout) as response:
                if response.status != 200:
                    detail = (await response.read()).decode(errors='replace')[:200]
                    raise RequestFailed(_status_kind(response.status), f'HTTP {response.status}: {detail}')
                async for line in response.lines():
                    if not line.startswith('data:'):
                        continue
                    data = line[5:].strip()
                    if data == '[DONE]':
                        continue  # read on to the stream's end, so the connection can serve the next request
                    chunk = json.loads(data)
                    text = _delta_text(self.settings.api, chunk)
                    if text:
                        now = time.perf_counter()
                        if record.ttft is None:
                            record.ttft = now - started
                        else:
                            record.itl.append(now - last)
                        last = now
                        pieces.append(text)
                    usage = chunk.get('usage')
                    if usage:
                        record.output_tokens = usage.get('completion_tokens')
                        record.prompt_tokens = usage.get('prompt_tokens')
                        record.tokens_from = 'usage'
        except HttpFailure as exc:
            raise RequestFailed(exc.kind, str(exc)) from None
        except json.JSONDecodeError as exc:
            raise RequestFailed('bad_stream', f'a chunk is not JSON: {exc}') from None
        record.e2el = time.perf_counter() - started
        record.text = ''.join(pieces)
        if record.ttft is None:
            raise RequestFailed('empty', 'the stream ended without any content')

    def _fill_token_counts(self, record: RequestRecord, prompt: PerfPrompt) -> None:
        """Token counts from the tokenizer when the server sent no usage."""
        if record.tokens_from == 'usage' or self.count_tokens is None:
            return
        record.output_tokens = self.count_tokens(record.text)
        record.prompt_tokens = prompt.prompt_tokens if prompt.prompt_tokens is not None else \
            self.count_tokens(prompt.text())
        record.tokens_from = 'tokenizer'
