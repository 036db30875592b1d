"""Standard errors of metrics, so a summary says how far apart two numbers must be to mean something.

A metric that is a mean of per-row values (accuracy, exact match, F1) has the analytic
standard error of a mean: sample standard deviation / sqrt(n).  A metric that is not
(BLEU over a corpus, a share of question groups) gets a seeded bootstrap over rows, so the
same predictions always give the same figure.  Both are in the metric's own unit (percent).
"""
from __future__ import annotations

import math
import random
import statistics
from collections.abc import Callable, Sequence
from typing import TypeVar

Row = TypeVar('Row')

BOOTSTRAP_SAMPLES = 1000
BOOTSTRAP_SEED = 1234


def mean_stderr(values: Sequence[float]) -> float:
    """Standard error of the mean of per-row values (0/100 for right/wrong rows); 0.0 for one row."""
    n = len(values)
    if n < 2:
        return 0.0
    mean = sum(values) / n
    variance = sum((v - mean) ** 2 for v in values) / (n - 1)
    return math.sqrt(variance / n)


def bootstrap_stderr(rows: Sequence[Row], metric: Callable[[Sequence[Row]], float],
                     samples: int = BOOTSTRAP_SAMPLES, seed: int = BOOTSTRAP_SEED) -> float:
    """Standard deviation of ``metric`` over ``samples`` resamples (with replacement) of ``rows``."""
    if len(rows) < 2:
        return 0.0
    rng = random.Random(seed)
    values = [metric([rows[rng.randrange(len(rows))] for _ in rows]) for _ in range(samples)]
    return statistics.stdev(values)
