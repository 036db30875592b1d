"""pass@k for code benchmarks: each sampled program runs against the benchmark's own tests.

Programs run only in ``evalkit.sandbox`` (one locked-down process each, in parallel), and only
in runs that opted in (``allow_code_execution``; ``runs_model_code`` marks these evaluators for
that check).  A row may hold several samples (``num_return_sequences``: the record's
``samples``); pass@k is then the unbiased estimate 1 - C(n-c, k) / C(n, k) from n samples of
which c pass, averaged over rows.  Each row's details say how each sample ended (passed,
failed, timed out, error and its type), never what the program printed.
"""
from __future__ import annotations

import math
import re
from abc import abstractmethod
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from evalkit.config.errors import ConfigError
from evalkit.openicl.evaluators.base import BaseEvaluator, check_pairs
from evalkit.openicl.evaluators.stderr import mean_stderr
from evalkit.openicl.postprocessors.code import CodeBlock, MBPPCode
from evalkit.registry import EVALUATORS
from evalkit.sandbox import Outcome, SandboxLimits, run_all

DEFAULT_K = (1, 10, 100)


def pass_at_k(n: int, c: int, k: int) -> float:
    """Probability that at least one of k samples drawn without replacement from n (c correct) passes."""
    if n - c < k:
        return 1.0
    return 1.0 - math.prod(1.0 - k / i for i in range(n - c + 1, n + 1))


def _describe(outcome: Outcome) -> str:
    return outcome.status if outcome.error_type is None else f'{outcome.status}: {outcome.error_type}'


class PassAtKEvaluator(BaseEvaluator):
    """Runs every sample of every row in the sandbox and reports pass@k in percent."""

    runs_model_code = True
    extract: Callable[[str], str]

    def __init__(self, k: list[int] | None = None, timeout: float = 10.0, memory_mb: int = 1024,
                 workers: int | None = None) -> None:
        if k is not None and (not k or any(isinstance(v, bool) or not isinstance(v, int) or v < 1 for v in k)):
            raise ConfigError(f'{type(self).__name__}.k: expected a list of sample counts >= 1 (pass@k for each), '
                              f'got {k!r}.')
        if workers is not None and (isinstance(workers, bool) or workers < 1):
            raise ConfigError(f'{type(self).__name__}.workers: expected a number of programs run at once >= 1 '
                              f'(default: one per CPU core), got {workers!r}.')
        self.k = list(k) if k is not None else None
        self.limits = SandboxLimits(timeout=timeout, memory_mb=memory_mb)
        self.workers = workers

    @classmethod
    def check_config(cls, cfg: Mapping[str, Any], where: str) -> None:
        """Range checks before any work, so a bad limit does not surface only after inference."""
        cls(**{key: value for key, value in cfg.items() if key != 'type'})

    @abstractmethod
    def program(self, code: str, row: Mapping[str, Any]) -> tuple[str, str]:
        """(the program to run, the checker that asserts on what it defined) for one sample of ``row``."""

    def score(self, predictions: Sequence[Any], references: Sequence[Any]) -> dict[str, Any]:
        raise ValueError(f'{type(self).__name__} needs the dataset rows (their tests): it is called through '
                         f'score_rows by the evaluation task.')

    def score_rows(self, predictions: Sequence[Any], references: Sequence[Any],
                   records: Sequence[Mapping[str, Any]], test_rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
        check_pairs(predictions, references)
        samples = [list(record.get('samples') or [prediction]) for prediction, record in zip(predictions, records)]
        jobs = [self.program(self.extract(str(text)), row) for row, texts in zip(test_rows, samples) for text in texts]
        outcomes = iter(run_all(jobs, self.limits, self.workers))
        per_row = [[next(outcomes) for _ in texts] for texts in samples]
        return self._metrics(per_row, test_rows)

    def _metrics(self, per_row: list[list[Outcome]], test_rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
        fewest = min(len(outcomes) for outcomes in per_row)
        wanted = self.k if self.k is not None else [k for k in DEFAULT_K if k <= fewest]
        if max(wanted) > fewest:
            raise ValueError(f'{type(self).__name__}: pass@{max(wanted)} needs at least {max(wanted)} samples per '
                             f'row, but a row has only {fewest}. Raise num_return_sequences or lower k.')
        result: dict[str, Any] = {'stderr': {}}
        for k in sorted(set(wanted)):
            points = [100.0 * pass_at_k(len(o), sum(x.passed for x in o), k) for o in per_row]
            result[f'pass@{k}'] = sum(points) / len(points)
            result['stderr'][f'pass@{k}'] = mean_stderr(points)
        result['details'] = [{'task_id': row.get('task_id'), 'correct': outcomes[0].passed,
                              'passed': sum(o.passed for o in outcomes), 'samples': len(outcomes),
                              'outcomes': [_describe(o) for o in outcomes]}
                             for row, outcomes in zip(test_rows, per_row)]
        return result


@EVALUATORS.register_module()
class HumanEvalEvaluator(PassAtKEvaluator):
    """HumanEval: the prompt plus the completion, then the row's ``check`` on its entry point.

    A reply that defines the entry point itself (a chat model's whole function) follows the
    prompt instead of continuing it, so the prompt's imports and helpers stay available."""

    extract = CodeBlock()

    def program(self, code: str, row: Mapping[str, Any]) -> tuple[str, str]:
        entry = row['entry_point']
        defines_entry = re.search(rf'^(?:async\s+)?def\s+{re.escape(entry)}\s*\(', code, re.M)
        program = f"{row['prompt']}\n{code}" if defines_entry else row['prompt'] + code
        return program, f"{row['test']}\n\ncheck({entry})\n"


@EVALUATORS.register_module()
class MBPPEvaluator(PassAtKEvaluator):
    """MBPP: the answer's code, then the row's setup code and its three asserts."""

    extract = MBPPCode()

    def program(self, code: str, row: Mapping[str, Any]) -> tuple[str, str]:
        return code, '\n'.join([row.get('test_setup_code') or '', *row['test_list']]) + '\n'
