"""Load generation: a closed loop of N concurrent users, or an open loop of arrivals at a rate.

Why both: a closed loop (each of N users sends its next request when the last is answered)
finds the throughput an endpoint sustains at a concurrency, and several N in one run draw the
saturation curve; an open loop (requests arrive on their own schedule, answered or not) shows
what users see at a given traffic, queueing included.  Open-loop gaps are gamma distributed
with mean 1/rate: ``burstiness`` 1 gives Poisson arrivals, below 1 burstier, above 1 steadier
(the shape parameter, as ``vllm bench serve`` has it).  Request i sends prompt i modulo the
number of prompts, so every level of a run sends the same prompts in the same order.
"""
from __future__ import annotations

import asyncio
import itertools
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from evalkit.config.errors import ConfigError
from evalkit.perf.client import RequestRecord, StreamingClient
from evalkit.perf.prompts import PerfPrompt

OnDone = Callable[[RequestRecord], None]


@dataclass(frozen=True)
class LoadLevel:
    """One closed-loop concurrency (``parallel``) or one open-loop arrival rate (``rate``, per second)."""

    parallel: int | None = None
    rate: float | None = None
    burstiness: float = 1.0

    def __post_init__(self) -> None:
        if (self.parallel is None) == (self.rate is None):
            raise ConfigError('a load level is either --parallel N (closed loop) or --rate R (open loop), not both.')
        if self.parallel is not None and self.parallel < 1:
            raise ConfigError(f'--parallel must be at least 1, got {self.parallel}.')
        if self.rate is not None and self.rate <= 0:
            raise ConfigError(f'--rate must be a positive number of requests per second, got {self.rate}.')
        if self.burstiness <= 0:
            raise ConfigError(f'--burstiness must be positive (1 = Poisson arrivals), got {self.burstiness}.')

    @property
    def name(self) -> str:
        return f'parallel_{self.parallel}' if self.parallel is not None else f'rate_{self.rate:g}'


@dataclass(frozen=True)
class Budget:
    """How much load per level: ``number`` requests and/or ``duration`` seconds of sending (whichever
    ends first), after ``warmup`` requests that are sent but not measured."""

    number: int | None = None
    duration: float | None = None
    warmup: int = 0

    def __post_init__(self) -> None:
        if self.number is None and self.duration is None:
            raise ConfigError('say how long each level lasts: --number K (requests) and/or --duration SECONDS.')
        if (self.number is not None and self.number < 1) or (self.duration is not None and self.duration <= 0):
            raise ConfigError('--number must be at least 1 and --duration positive.')
        if self.warmup < 0:
            raise ConfigError(f'--warmup must be 0 or more requests, got {self.warmup}.')


@dataclass
class LevelResult:
    level: LoadLevel
    records: list[RequestRecord]
    duration: float  # seconds from the first send to the last answer


async def run_level(client: StreamingClient, prompts: Sequence[PerfPrompt], level: LoadLevel, budget: Budget,
                    on_done: OnDone | None = None, seed: int = 0) -> LevelResult:
    """Warm up, then apply ``level`` for ``budget``; every request's record, sorted by index."""
    if not prompts:
        raise ConfigError('there are no prompts to send.')
    if budget.warmup:
        await _closed_loop(client, prompts, level.parallel or 1, Budget(number=budget.warmup),
                           time.perf_counter(), [], None)
    records: list[RequestRecord] = []
    t0 = time.perf_counter()
    if level.parallel is not None:
        await _closed_loop(client, prompts, level.parallel, budget, t0, records, on_done)
    else:
        await _open_loop(client, prompts, level, budget, t0, records, on_done, seed)
    duration = time.perf_counter() - t0
    return LevelResult(level, sorted(records, key=lambda r: r.index), duration)


async def _closed_loop(client: StreamingClient, prompts: Sequence[PerfPrompt], users: int, budget: Budget,
                       t0: float, records: list[RequestRecord], on_done: OnDone | None) -> None:
    stop_at = t0 + budget.duration if budget.duration is not None else math.inf
    limit = budget.number if budget.number is not None else math.inf
    counter = itertools.count()

    async def user() -> None:
        while (i := next(counter)) < limit and time.perf_counter() < stop_at:
            record = await client.send(i, prompts[i % len(prompts)], t0)
            records.append(record)
            if on_done:
                on_done(record)

    await asyncio.gather(*(user() for _ in range(users)))


async def _open_loop(client: StreamingClient, prompts: Sequence[PerfPrompt], level: LoadLevel, budget: Budget,
                     t0: float, records: list[RequestRecord], on_done: OnDone | None, seed: int) -> None:
    assert level.rate is not None
    stop_at = t0 + budget.duration if budget.duration is not None else math.inf
    limit = budget.number if budget.number is not None else math.inf
    rng = np.random.default_rng(seed)
    scale = 1.0 / (level.rate * level.burstiness)  # gamma mean = shape * scale = 1 / rate

    async def request(i: int) -> None:
        record = await client.send(i, prompts[i % len(prompts)], t0)
        records.append(record)
        if on_done:
            on_done(record)

    in_flight = []
    due, i = t0, 0
    while i < limit and due < stop_at:
        wait = due - time.perf_counter()
        if wait > 0:
            await asyncio.sleep(wait)
        in_flight.append(asyncio.create_task(request(i)))
        i += 1
        due += rng.gamma(level.burstiness, scale)
    await asyncio.gather(*in_flight)
