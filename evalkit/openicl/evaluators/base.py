"""The evaluator contract, and the checks every evaluator runs before it computes anything."""
from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from typing import Any

from evalkit.config.errors import ConfigError


class BaseEvaluator(ABC):
    """Scores processed predictions against references.

    ``score`` returns metrics in percent, ``details`` (one dict per row with its verdict) and
    ``stderr``: the standard error of each metric it can give one for, under the metric's name
    (see ``evaluators/stderr.py``), so a summary can say how much a difference between two
    numbers means.
    """

    @abstractmethod
    def score(self, predictions: Sequence[Any], references: Sequence[Any]) -> dict[str, Any]:
        """Metrics (floats, percent), ``details`` and ``stderr``."""

    def score_rows(self, predictions: Sequence[Any], references: Sequence[Any],
                   records: Sequence[Mapping[str, Any]], test_rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
        """What the evaluation task calls.  ``records`` are the raw prediction records (with the
        inferencer's extra fields, e.g. PPL scores) and ``test_rows`` the dataset rows they answer,
        both aligned with ``predictions``; evaluators that need them (grouped or per-row metadata
        metrics) override this, the rest score predictions alone."""
        return self.score(predictions, references)


def check_pairs(predictions: Sequence[Any], references: Sequence[Any]) -> None:
    """Refuse what would give a number that means nothing: zip() would silently score only the
    shorter list, and 0 rows would read as 0% accuracy."""
    if len(predictions) != len(references):
        raise ValueError(f'{len(predictions)} predictions but {len(references)} references: every row needs '
                         f'both, so the predictions file and the dataset do not match. Re-run inference.')
    if not predictions:
        raise ValueError('There is nothing to score: 0 predictions. Check that the test split has rows '
                         '(and that --limit / reader_cfg.limit is positive).')


class SelfCheckingEvaluator(BaseEvaluator):
    """An evaluator whose ``__init__`` checks its settings and is cheap to run: config validation
    builds it once, so a bad setting (a value out of range, a broken regular expression) stops the
    run before inference rather than when scoring starts, hours later."""

    @classmethod
    def check_config(cls, cfg: Mapping[str, Any], where: str) -> None:
        try:
            cls(**{key: value for key, value in cfg.items() if key != 'type'})
        except ConfigError as exc:
            raise ConfigError(f'{where}: {exc}') from None
