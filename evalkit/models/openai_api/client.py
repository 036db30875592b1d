"""Sending many requests to an OpenAI-compatible server at once, politely and without paying twice.

``post_all`` keeps up to ``max_concurrency`` requests in flight (so a server that batches,
like vLLM, stays busy), spaces them with the token bucket, retries what can be retried,
and answers repeated requests from the response cache.  Answers are handed to ``on_done``
as they arrive, so a caller can store each one at once.
"""
from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import httpx

from evalkit.models.openai_api.rate_limit import TokenBucket
from evalkit.models.openai_api.response_cache import ResponseCache, request_key
from evalkit.models.openai_api.retry import RetryPolicy, send_with_retries


class APIClient:
    """One server (``base_url``, e.g. ``http://host:8000/v1``) and how to talk to it."""

    def __init__(self, base_url: str, headers: Mapping[str, str], timeout: float, max_concurrency: int,
                 retry: RetryPolicy, rate_limit: TokenBucket | None = None) -> None:
        self.base_url = base_url.rstrip('/')
        self.headers = dict(headers)
        self.timeout = timeout
        self.max_concurrency = max_concurrency
        self.retry = retry
        self.rate_limit = rate_limit
        self.cache: ResponseCache | None = None
        # 'sent' (HTTP attempts), 'retried', 'cached' (answered from the cache): for logs and tests.
        self.stats: Counter[str] = Counter()

    def get_json(self, endpoint: str) -> Any:
        """One GET (e.g. ``models``), retried like every request."""
        async def fetch() -> Any:
            async with self._session() as session:
                response = await send_with_retries(lambda: session.get(f'{self.base_url}/{endpoint}'),
                                                   self.retry, self.timeout, f'GET {self.base_url}/{endpoint}',
                                                   self._count_retry)
                return response.json()
        return asyncio.run(fetch())

    def post_all(self, endpoint: str, bodies: Sequence[dict[str, Any]],
                 on_done: Callable[[int, dict[str, Any]], None] | None = None) -> list[dict[str, Any]]:
        """The JSON answer to each ``POST base_url/endpoint`` with ``bodies[i]``, in order."""
        return asyncio.run(self._post_all(endpoint, bodies, on_done))

    def _session(self) -> httpx.AsyncClient:
        limits = httpx.Limits(max_connections=self.max_concurrency, max_keepalive_connections=self.max_concurrency)
        return httpx.AsyncClient(headers=self.headers, timeout=self.timeout, limits=limits)

    def _count_retry(self, _failure: str) -> None:
        self.stats['retried'] += 1

    async def _post_all(self, endpoint: str, bodies: Sequence[dict[str, Any]],
                        on_done: Callable[[int, dict[str, Any]], None] | None) -> list[dict[str, Any]]:
        answers: list[dict[str, Any]] = [{} for _ in bodies]
        gate = asyncio.Semaphore(self.max_concurrency)
        url = f'{self.base_url}/{endpoint}'

        async def one(i: int, session: httpx.AsyncClient) -> None:
            key = request_key(endpoint, bodies[i])
            cached = self.cache.get(key) if self.cache is not None else None
            if cached is not None:
                self.stats['cached'] += 1
                answers[i] = cached
            else:
                async with gate:
                    answers[i] = await self._post(session, url, bodies[i])
                if self.cache is not None:
                    self.cache.put(key, answers[i])
            if on_done is not None:
                on_done(i, answers[i])

        async with self._session() as session:
            tasks = [asyncio.create_task(one(i, session)) for i in range(len(bodies))]
            try:
                await asyncio.gather(*tasks)
            finally:  # one final failure stops the others instead of leaving them running
                for task in tasks:
                    task.cancel()
        return answers

    async def _post(self, session: httpx.AsyncClient, url: str, body: dict[str, Any]) -> dict[str, Any]:
        async def send() -> httpx.Response:
            self.stats['sent'] += 1
            return await session.post(url, json=body)

        response = await send_with_retries(send, self.retry, self.timeout,
                                           f"POST {url} (model '{body.get('model')}')", self._count_retry,
                                           self.rate_limit.acquire if self.rate_limit is not None else None)
        return response.json()
