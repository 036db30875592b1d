"""A token bucket that spaces requests to at most ``rate`` per second (``burst`` at once after a pause).

Implemented as reservations (GCRA): each caller books the next free slot and sleeps until
it, so concurrent coroutines never wake together and overshoot, and no lock is needed
(the event loop runs one coroutine at a time between awaits).  The state is plain numbers,
so one bucket keeps limiting across the separate event loops of successive calls.
"""
from __future__ import annotations

import asyncio
import time

from evalkit.config.errors import ConfigError


class TokenBucket:
    def __init__(self, rate: float, burst: int = 1) -> None:
        if rate <= 0 or burst < 1:
            raise ConfigError(f'query_per_second must be > 0 and the burst >= 1, got {rate!r} and {burst!r}.')
        self.rate = rate
        self.burst = burst
        self._next_slot = 0.0

    def reserve(self) -> float:
        """Book a slot; return how many seconds to wait for it."""
        now = time.monotonic()
        interval = 1.0 / self.rate
        slot = max(self._next_slot, now - (self.burst - 1) * interval)
        self._next_slot = slot + interval
        return max(0.0, slot - now)

    async def acquire(self) -> None:
        wait = self.reserve()
        if wait:
            await asyncio.sleep(wait)
