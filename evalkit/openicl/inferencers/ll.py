"""Multiple choice by log-likelihood, as lm-eval scores it: each option's text as a continuation.

The context is the generation prompt (the prompt template cut where the answer starts); each
option's text, after ``choice_prefix``, is a continuation scored by the model's
``loglikelihood``.  ``prediction`` is the option with the highest sum (lm-eval's ``acc``);
``prediction_norm`` the highest sum per character of the continuation (``acc_norm``), which
stops long options from losing merely for having more tokens.  ``LLAccEvaluator`` reports both.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from evalkit.api.model import BaseModel
from evalkit.api.prompt import Prompt
from evalkit.config.errors import ConfigError
from evalkit.openicl.inferencers.base import BaseInferencer, truncated_tokens, with_truncation
from evalkit.openicl.prompt_builder import PromptBuilder
from evalkit.registry import INFERENCERS


@INFERENCERS.register_module()
class LLInferencer(BaseInferencer):
    """Log-likelihood of each option column's text given the prompt.

    ``choice_columns``: the test-row columns holding the options' texts (default A-D);
    ``labels``: what each column predicts (default: the column names, e.g. the letter the gold
    column holds); ``choice_prefix``: text put before every option (lm-eval's leading space).
    """

    mode = 'll'

    def __init__(self, choice_columns: list | None = None, labels: list | None = None, choice_prefix: str = ' ',
                 chunk_size: int = 64) -> None:
        super().__init__(chunk_size)
        self.choice_columns = [str(c) for c in (choice_columns or 'ABCD')]
        self.labels = list(labels) if labels is not None else list(self.choice_columns)
        if len(self.labels) != len(self.choice_columns) or len(self.choice_columns) < 2:
            raise ConfigError(f'LLInferencer: expected at least two choice_columns and one label for each, got '
                              f'choice_columns={self.choice_columns} and labels={self.labels}.')
        self.choice_prefix = choice_prefix

    def continuations(self, row: dict[str, Any]) -> list[str]:
        missing = [c for c in self.choice_columns if c not in row]
        if missing:
            raise ConfigError(f'LLInferencer.choice_columns: the test rows have no column {missing[0]!r} '
                              f'(columns: {", ".join(row)}). Name the columns holding the option texts.')
        return [f'{self.choice_prefix}{row[c]}' for c in self.choice_columns]

    def row_requests(self, builder: PromptBuilder, i: int, model_max_out_len: int) -> tuple[list[Prompt], int]:
        context = builder.generation_prompt(i)
        return [context] * len(self.choice_columns), 0

    def infer_chunk(self, model: BaseModel, builder: PromptBuilder, indices: Sequence[int]) -> list[dict[str, Any]]:
        k = len(self.choice_columns)
        contexts = [builder.generation_prompt(i) for i in indices]
        continuations = [self.continuations(builder.test[i]) for i in indices]
        scores = model.loglikelihood([c for c in contexts for _ in range(k)], [t for ts in continuations for t in ts])
        cuts = truncated_tokens(model, len(indices), k)
        records = []
        for n, i in enumerate(indices):
            row = scores[n * k:(n + 1) * k]
            per_char = [s / max(len(t), 1) for s, t in zip(row, continuations[n])]
            records.append(with_truncation({
                'index': i, 'prompt': model.render(contexts[n]),
                'prediction': self.labels[max(range(k), key=row.__getitem__)],
                'prediction_norm': self.labels[max(range(k), key=per_char.__getitem__)],
                'gold': builder.test[i].get(builder.output_column),
                'loglikelihoods': {str(label): s for label, s in zip(self.labels, row)}}, cuts[n]))
        return records
