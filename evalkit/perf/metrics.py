"""The numbers of one load level, from its request records (all times in seconds).

Definitions (the README repeats them): TTFT is the time from sending a request to its first
non-empty content delta; ITL the gaps between successive content deltas; e2el the time from
sending to the end of the stream; TPOT = (e2el - TTFT) / (output tokens - 1), for answers of
at least two tokens.  Throughputs divide by the level's wall time (first send to last answer):
requests completed, output tokens, and prompt + output tokens per second.  Goodput counts only
the requests that met every SLO given.  Failed requests count by kind and in no latency.
These follow ``vllm bench serve``'s definitions, so the two tools' numbers are comparable.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from evalkit.config.errors import ConfigError
from evalkit.perf.client import RequestRecord

PERCENTILES = (50, 90, 95, 99)
SLO_METRICS = ('ttft', 'tpot', 'e2el')


def distribution(values: Sequence[float]) -> dict[str, float | None]:
    """mean, median, std and p50/p90/p95/p99 (linear interpolation); None for every key when empty."""
    keys = ['mean', 'median', 'std', *(f'p{p}' for p in PERCENTILES)]
    if not values:
        return dict.fromkeys(keys)
    arr = np.asarray(values, dtype=float)
    stats = [arr.mean(), np.median(arr), arr.std(), *np.percentile(arr, PERCENTILES)]
    return {k: float(v) for k, v in zip(keys, stats)}


@dataclass(frozen=True)
class Slo:
    """Service-level objectives in seconds (the command line takes milliseconds)."""

    limits: Mapping[str, float]

    @classmethod
    def parse(cls, specs: Sequence[str]) -> Slo:
        limits = {}
        for spec in specs:
            name, _, ms = spec.partition(':')
            try:
                value = float(ms)
            except ValueError:
                value = -1.0
            if name not in SLO_METRICS or value <= 0:
                raise ConfigError(f"--slo '{spec}' is not an objective: write METRIC:MILLISECONDS with METRIC one "
                                  f"of {', '.join(SLO_METRICS)} and a positive number, e.g. --slo ttft:500 tpot:50.")
            limits[name] = value / 1000
        return cls(limits)

    def met(self, record: RequestRecord) -> bool:
        """Whether ``record`` succeeded within every objective (a one-token answer has no TPOT to miss)."""
        if not record.ok:
            return False
        values = {'ttft': record.ttft, 'tpot': record.tpot, 'e2el': record.e2el}
        for name, limit in self.limits.items():
            value = values[name]
            if value is None and name == 'tpot':
                continue
            if value is None or value > limit:
                return False
        return True


def summarize(records: Sequence[RequestRecord], duration: float, slo: Slo | None = None) -> dict[str, Any]:
    """The summary of one level: counts, throughputs and the four latency distributions."""
    ok = [r for r in records if r.ok]
    output_tokens = sum(r.output_tokens or 0 for r in ok)
    input_tokens = sum(r.prompt_tokens or 0 for r in ok)
    summary: dict[str, Any] = {
        'requests': len(records), 'completed': len(ok),
        'failed': dict(sorted(Counter(r.error_kind or 'unknown' for r in records if not r.ok).items())),
        'retried': sum(1 for r in records if r.attempts > 1),
        'duration': duration, 'input_tokens': input_tokens, 'output_tokens': output_tokens,
        'tokens_from': sorted({r.tokens_from for r in ok if r.tokens_from}),
        'request_throughput': len(ok) / duration if duration > 0 else 0.0,
        'output_throughput': output_tokens / duration if duration > 0 else 0.0,
        'total_throughput': (input_tokens + output_tokens) / duration if duration > 0 else 0.0,
    }
    if slo is not None:
        summary['goodput'] = sum(1 for r in ok if slo.met(r)) / duration if duration > 0 else 0.0
        summary['slo'] = dict(slo.limits)
    summary['ttft'] = distribution([r.ttft for r in ok if r.ttft is not None])
    summary['tpot'] = distribution([t for r in ok if (t := r.tpot) is not None])
    summary['itl'] = distribution([gap for r in ok for gap in r.itl])
    summary['e2el'] = distribution([r.e2el for r in ok if r.e2el is not None])
    return summary
