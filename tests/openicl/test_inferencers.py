"""Inferencers against a scripted fake model: what they ask the model, and what they write out.

The fake model only records calls; real scoring and generation are tested in tests/models.
"""
from __future__ import annotations

from collections.abc import Sequence

from evalkit.api.model import BaseModel
from evalkit.api.prompt import Prompt, prompt_to_text
from evalkit.openicl.inferencers import GenInferencer, PPLInferencer
from evalkit.openicl.prompt_builder import PromptBuilder
from evalkit.openicl.prompt_template import PromptTemplate
from evalkit.openicl.retrievers import ZeroRetriever

ROWS = [{'q': f'question {i}', 'answer': 'AB'[i % 2]} for i in range(5)]


class ScriptedModel(BaseModel):
    """Perplexity is lowest for the label ``favourite[row]``; generation echoes its settings."""

    abbr = 'scripted'
    max_out_len = 77

    def __init__(self) -> None:
        self.calls: list[tuple[str, int]] = []

    def perplexity(self, prompts: Sequence[Prompt], mask_lengths: Sequence[int] | None = None) -> list[float]:
        self.calls.append(('perplexity', len(prompts)))
        # "question i -> B" is preferred for odd i, "-> A" for even i
        return [0.5 if text.endswith('AB'[int(text.split()[1]) % 2]) else 1.5
                for text in map(prompt_to_text, prompts)]

    def generate(self, prompts: Sequence[Prompt], max_out_len: int, stop_words: Sequence[str] = ()) -> list[str]:
        self.calls.append(('generate', len(prompts)))
        return [f'{max_out_len}|{",".join(stop_words)}' for _ in prompts]

    def loglikelihood(self, contexts: Sequence[Prompt], continuations: Sequence[str]) -> list[float]:
        raise NotImplementedError

    def render(self, prompt: Prompt) -> str:
        return prompt_to_text(prompt)


def _builder(template: object) -> PromptBuilder:
    infer_cfg = {'prompt_template': {'type': PromptTemplate, 'template': template},
                 'retriever': {'type': ZeroRetriever}}
    return PromptBuilder(infer_cfg, 'answer', train=[], test=ROWS, where='test')


def test_ppl_inferencer_picks_the_lowest_perplexity_chunk_by_chunk() -> None:
    model, written = ScriptedModel(), []
    builder = _builder({'A': '{q} -> A', 'B': '{q} -> B'})
    PPLInferencer(chunk_size=2).run(model, builder, [0, 1, 2, 3, 4], written.append)
    assert model.calls == [('perplexity', 4), ('perplexity', 4), ('perplexity', 2)]  # rows x labels per call
    assert [len(chunk) for chunk in written] == [2, 2, 1]
    records = [r for chunk in written for r in chunk]
    assert [r['prediction'] for r in records] == ['A', 'B', 'A', 'B', 'A'] == [r['gold'] for r in records]
    assert records[1]['scores'] == {'A': 1.5, 'B': 0.5}
    assert records[1]['prompt'] == 'question 1 -> B'


def test_gen_inferencer_passes_its_limits_and_stop_words() -> None:
    model, written = ScriptedModel(), []
    builder = _builder('{q} ->')
    GenInferencer(max_out_len=5, stop_words=['\n\n'], chunk_size=4).run(model, builder, [0, 1, 2], written.append)
    assert model.calls == [('generate', 3)]
    assert [r['prediction'] for r in written[0]] == ['5|\n\n'] * 3
    written.clear()
    GenInferencer().run(model, builder, [0], written.append)
    assert written[0][0]['prediction'] == '77|'  # the model's own max_out_len
