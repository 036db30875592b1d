"""Retrying failed API requests: exponential backoff with full jitter, bounded in count and in time.

Only failures that a later attempt can cure are retried: 429 (rate limited), 408/409/425,
any 5xx, timeouts and dropped connections.  A bad key (401/403), a wrong model or URL
(404) or a malformed request (other 4xx) fail at once: retrying them only hides the
mistake.  Both bounds hold at once, so a server that keeps failing ends the run in at most
``max_total_time`` seconds instead of retrying forever.
"""
from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, fields
from typing import Any

import httpx

from evalkit.config.errors import ConfigError

RETRYABLE_STATUS = frozenset({408, 409, 425, 429})


class APIRequestError(ConfigError):
    """A request the server refused for good (bad key, unknown model, malformed request)."""


class APIRetriesExhausted(RuntimeError):
    """A request kept failing with retryable errors until the retry budget ran out."""


@dataclass(frozen=True)
class RetryPolicy:
    """``max_attempts`` tries in all; waits grow as ``initial_delay * 2**n`` up to ``max_delay``, each drawn
    uniformly below that bound (full jitter, so many clients do not retry in step); no retry starts
    after ``max_total_time`` seconds from the first attempt."""

    max_attempts: int = 5
    initial_delay: float = 1.0
    max_delay: float = 20.0
    max_total_time: float = 300.0

    @classmethod
    def from_config(cls, cfg: Mapping[str, Any] | None, where: str) -> RetryPolicy:
        cfg = dict(cfg or {})
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(cfg) - known)
        if unknown:
            raise ConfigError(f"{where}.retry: unknown key(s) {', '.join(unknown)}; "
                              f"known: {', '.join(sorted(known))}.")
        policy = cls(**cfg)
        if not (isinstance(policy.max_attempts, int) and policy.max_attempts >= 1):
            raise ConfigError(f'{where}.retry.max_attempts: expected an integer >= 1, got {policy.max_attempts!r}.')
        for name in ('initial_delay', 'max_delay', 'max_total_time'):
            value = getattr(policy, name)
            if not isinstance(value, (int, float)) or value < 0:
                raise ConfigError(f'{where}.retry.{name}: expected seconds >= 0, got {value!r}.')
        return policy

    def delay(self, retry: int) -> float:
        return random.uniform(0, min(self.max_delay, self.initial_delay * 2 ** retry))


def _failure(response: httpx.Response, describe: str) -> str | None:
    """None when the response is usable; the retryable failure's name; raises for a final refusal."""
    status = response.status_code
    if status < 400:
        return None
    if status in RETRYABLE_STATUS or status >= 500:
        return f'HTTP {status}'
    body = response.text[:300].strip()
    hint = {401: 'the API key is missing or wrong (check the environment variable the key names)',
            403: 'the API key is not allowed to use this model',
            404: 'the URL or the model name is wrong (GET /v1/models lists what the server serves)'}
    raise APIRequestError(f"{describe} was refused with HTTP {status}: "
                          f"{hint.get(status, 'the request is malformed for this server')}. Server said: {body}")


async def send_with_retries(send: Callable[[], Awaitable[httpx.Response]], policy: RetryPolicy, timeout: float,
                            describe: str, on_retry: Callable[[str], None] | None = None,
                            pace: Callable[[], Awaitable[None]] | None = None) -> httpx.Response:
    """``await send()`` until it succeeds; each attempt is cut off after ``timeout`` seconds in total
    (a server that trickles bytes cannot stall it), retryable failures wait and try again.  ``pace``
    (the rate limit) is awaited before every attempt, outside its timeout."""
    started = time.monotonic()
    for attempt in range(policy.max_attempts):
        if pace is not None:
            await pace()
        try:
            response = await asyncio.wait_for(send(), timeout)
        except (asyncio.TimeoutError, httpx.TimeoutException):
            failure = f'no answer within {timeout:g} s'
        except httpx.TransportError as exc:
            failure = f'{type(exc).__name__}: {exc}'
        else:
            failure = _failure(response, describe)
            if failure is None:
                return response
        wait = policy.delay(attempt)
        elapsed = time.monotonic() - started
        if attempt + 1 >= policy.max_attempts or elapsed + wait > policy.max_total_time:
            raise APIRetriesExhausted(
                f'{describe} failed {attempt + 1} time(s) in {elapsed:.1f} s (last: {failure}); giving up '
                f'(retry: max_attempts={policy.max_attempts}, max_total_time={policy.max_total_time:g} s). '
                f'Check that the server is up and not overloaded, or raise the retry bounds.')
        if on_retry is not None:
            on_retry(failure)
        await asyncio.sleep(wait)
    raise AssertionError('unreachable: the loop returns or raises')
