"""Builds every prompt of one dataset: retriever + in-context template + prompt template.

Inferencers ask it for "the generation prompt of row i" or "the prompt of row i
for label L"; it renders each distinct in-context block once.  Given the evaluated model,
it also lets a retriever ask how sure the model is of a row's label after a candidate
example set (``label_logprobs``, used by ``MDLRetriever``).
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from evalkit.api.model import BaseModel
from evalkit.api.prompt import Prompt
from evalkit.config.errors import ConfigError
from evalkit.openicl.prompt_template import PromptTemplate, join_prompts
from evalkit.openicl.retrievers.base import RetrievalTask
from evalkit.registry import PROMPT_TEMPLATES, RETRIEVERS, build

# More distinct answers than option letters means free-form answers, over which a label
# distribution (and its entropy) says nothing.
MAX_ANSWER_LABELS = 26


class PromptBuilder:
    """Prompts for the test rows of one dataset, as its ``infer_cfg`` describes them.

    ``input_columns`` are the columns similarity retrievers compare (default: every column
    but the answer).  ``model`` is the evaluated model, for retrievers that consult it.
    ``approximate`` lets costly retrievers stand in cheap examples of the same number: for
    estimating prompt sizes before any model loads, never for prompts a model answers.
    """

    def __init__(self, infer_cfg: Mapping[str, Any], output_column: str,
                 train: Sequence[Mapping[str, Any]], test: Sequence[Mapping[str, Any]], where: str, *,
                 input_columns: Sequence[str] = (), model: BaseModel | None = None,
                 approximate: bool = False) -> None:
        self.output_column = output_column
        self.train, self.test = train, test
        self.model = model
        self.prompt_template: PromptTemplate | None = (
            build(infer_cfg['prompt_template'], PROMPT_TEMPLATES, f'{where}.prompt_template')
            if 'prompt_template' in infer_cfg else None)
        self.ice_template: PromptTemplate | None = (
            build(infer_cfg['ice_template'], PROMPT_TEMPLATES, f'{where}.ice_template')
            if 'ice_template' in infer_cfg else None)
        self.retriever = build(infer_cfg['retriever'], RETRIEVERS, f'{where}.retriever')
        self._ice_cache: dict[tuple[int, ...], Prompt] = {}
        columns = list(input_columns) or [c for c in (test[0] if test else {}) if c != output_column]
        task = RetrievalTask(train, test, columns, self.label_logprobs if model is not None else None)
        try:
            self.ice_indices = self.retriever.stand_in(task) if approximate else self.retriever.retrieve(task)
        except ConfigError as exc:  # the retriever knows what is wrong; say which dataset it is
            raise ConfigError(f'{where}.retriever: {exc}') from None

    @property
    def main_template(self) -> PromptTemplate:
        return self.prompt_template or self.ice_template  # type: ignore[return-value]

    @property
    def labels(self) -> list[Any]:
        return self.main_template.labels

    def ice(self, i: int) -> Prompt:
        """The in-context block of test row ``i``."""
        return self.examples_block(tuple(self.ice_indices[i]))

    def examples_block(self, key: tuple[int, ...]) -> Prompt:
        """Train rows ``key`` rendered and joined, in that order (rendered once per distinct key)."""
        if key not in self._ice_cache:
            template = self.ice_template or self.prompt_template
            assert template is not None
            examples = []
            for j in key:
                row = self.train[j]
                label = row.get(self.output_column) if template.per_label else None
                rendered = template.render(row, label=label)
                if template is self.prompt_template and template.ice_token and isinstance(rendered, str):
                    rendered = rendered.replace(template.ice_token, '')
                examples.append(rendered)
            self._ice_cache[key] = join_prompts(examples, self.retriever.ice_separator, self.retriever.ice_eos_token)
        return self._ice_cache[key]

    def generation_prompt(self, i: int) -> Prompt:
        """Prompt for row i that stops where the answer should begin."""
        return self.main_template.render(self.test[i], ice=self.ice(i), cut_at=self.output_column)

    def label_prompt(self, i: int, label: Any) -> Prompt:
        """Prompt for row i completed with candidate ``label`` (PPL scoring)."""
        return self.main_template.render(self.test[i], label=label, ice=self.ice(i))

    def label_logprobs(self, requests: Sequence[tuple[int, tuple[int, ...]]]) -> list[list[float]]:
        """For each (test row, example set): the model's normalised log-probability of each label.

        Labels are scored as the inferencer would choose among them: by each label's whole
        prompt's perplexity for per-label (PPL) templates, else by the log-likelihood of the
        label after the generation prompt, with the distinct answers of the pool as labels.
        """
        if self.model is None:
            raise ConfigError('label_logprobs needs the evaluated model; this PromptBuilder was made without one.')
        if self.main_template.per_label:
            prompts = [self.main_template.render(self.test[i], label=label, ice=self.examples_block(key))
                       for i, key in requests for label in self.labels]
            scores = [-nll for nll in self.model.perplexity(prompts)]
            width = len(self.labels)
        else:
            answers = sorted({str(row[self.output_column]) for row in self.train
                              if row.get(self.output_column) is not None})
            if not 0 < len(answers) <= MAX_ANSWER_LABELS:
                raise ConfigError(
                    f"scoring labels with a generation template takes the distinct answers of the pool's "
                    f"'{self.output_column}' column as the labels, and there are {len(answers)}: that needs between "
                    f'1 and {MAX_ANSWER_LABELS} (a closed set, such as option letters). Use a per-label (PPL) '
                    f'prompt template, or a retriever that does not consult the model.')
            contexts = [self.main_template.render(self.test[i], ice=self.examples_block(key), cut_at=self.output_column)
                        for i, key in requests for _ in answers]
            scores = self.model.loglikelihood(contexts, answers * len(requests))
            width = len(answers)
        table = np.asarray(scores, dtype=np.float64).reshape(len(requests), width)
        table -= np.logaddexp.reduce(table, axis=1, keepdims=True)
        return table.tolist()
