"""Builds every prompt of one dataset: retriever + in-context template + prompt template.

Inferencers ask it for "the generation prompt of row i" or "the prompt of row i
for label L"; it renders each distinct in-context block once.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from evalkit.api.prompt import Prompt
from evalkit.config.errors import ConfigError
from evalkit.openicl.prompt_template import PromptTemplate, join_prompts
from evalkit.registry import PROMPT_TEMPLATES, RETRIEVERS, build


class PromptBuilder:
    """Prompts for the test rows of one dataset, as its ``infer_cfg`` describes them."""

    def __init__(self, infer_cfg: Mapping[str, Any], output_column: str,
                 train: Sequence[Mapping[str, Any]], test: Sequence[Mapping[str, Any]], where: str) -> None:
        self.output_column = output_column
        self.train, self.test = train, test
        self.prompt_template: PromptTemplate | None = (
            build(infer_cfg['prompt_template'], PROMPT_TEMPLATES, f'{where}.prompt_template')
            if 'prompt_template' in infer_cfg else None)
        self.ice_template: PromptTemplate | None = (
            build(infer_cfg['ice_template'], PROMPT_TEMPLATES, f'{where}.ice_template')
            if 'ice_template' in infer_cfg else None)
        self.retriever = build(infer_cfg['retriever'], RETRIEVERS, f'{where}.retriever')
        try:
            self.ice_indices = self.retriever.retrieve(train, test)
        except ConfigError as exc:  # the retriever knows what is wrong; say which dataset it is
            raise ConfigError(f'{where}.retriever: {exc}') from None
        self._ice_cache: dict[tuple[int, ...], Prompt] = {}

    @property
    def main_template(self) -> PromptTemplate:
        return self.prompt_template or self.ice_template  # type: ignore[return-value]

    @property
    def labels(self) -> list[Any]:
        return self.main_template.labels

    def ice(self, i: int) -> Prompt:
        key = tuple(self.ice_indices[i])
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
