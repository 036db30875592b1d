"""Corpus BLEU with sacrebleu, the implementation whose numbers papers can be compared with."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from evalkit.openicl.evaluators.answers import accepted_answers
from evalkit.openicl.evaluators.base import BaseEvaluator, check_pairs
from evalkit.openicl.evaluators.stderr import bootstrap_stderr
from evalkit.registry import EVALUATORS

Tokenizer = Literal['13a', 'intl', 'zh', 'char', 'none']


def reference_streams(references: Sequence[Any]) -> list[list[str | None]]:
    """sacrebleu wants one stream per reference *position*; rows with fewer accepted answers than
    the most generous row are padded with None, which sacrebleu skips."""
    per_row = [accepted_answers(r) for r in references]
    width = max(len(answers) for answers in per_row)
    return [[answers[k] if k < len(answers) else None for answers in per_row] for k in range(width)]


@EVALUATORS.register_module()
class BleuEvaluator(BaseEvaluator):
    """Corpus BLEU (``bleu``, 0-100) of all predictions against their references (a string or a
    list of references per row), with a bootstrap standard error over rows.

    BLEU is not a mean of per-row values, so the standard error is the spread of corpus BLEU over
    seeded resamples of the rows (``stderr.bootstrap_stderr``).  Each resample re-adds the rows'
    n-gram counts instead of re-tokenising them, which keeps 1000 resamples of a large test set
    within a second or so.
    """

    def __init__(self, tokenize: Tokenizer = '13a', lowercase: bool = False) -> None:
        self.tokenize = tokenize
        self.lowercase = lowercase

    def score(self, predictions: Sequence[Any], references: Sequence[Any]) -> dict[str, Any]:
        from sacrebleu.metrics import BLEU

        check_pairs(predictions, references)
        bleu = BLEU(tokenize=self.tokenize, lowercase=self.lowercase)
        hypotheses, streams = [str(p) for p in predictions], reference_streams(references)
        corpus = bleu.corpus_score(hypotheses, streams).score
        # The per-row n-gram statistics and their scoring are what sacrebleu's own paired bootstrap
        # uses; they are private methods, so test_evaluators checks the figure against corpus_score.
        row_stats = bleu._extract_corpus_statistics(hypotheses, streams)

        def corpus_bleu(rows: Sequence[list[int]]) -> float:
            return bleu._compute_score_from_stats([sum(column) for column in zip(*rows)]).score

        details = [{'pred': p, 'gold': r} for p, r in zip(predictions, references)]
        return {'bleu': corpus, 'stderr': {'bleu': bootstrap_stderr(row_stats, corpus_bleu)}, 'details': details}
