"""The generation inferencer on the real model: a whole dataset in one continuous batch, answers
written as they finish (so a kill loses only what was still being generated)."""
from __future__ import annotations

from evalkit.openicl.inferencers import GenInferencer
from evalkit.openicl.inferencers import gen as gen_module
from evalkit.openicl.prompt_builder import PromptBuilder
from evalkit.openicl.prompt_template import PromptTemplate
from evalkit.openicl.retrievers import ZeroRetriever

QUESTIONS = ['What is 2 plus 2?', 'Name a colour.', 'hi', 'What is the capital of France?', 'Count to five.',
             'Why is the sky blue?']


def _builder() -> PromptBuilder:
    template = {'round': [{'role': 'HUMAN', 'prompt': '{q}'}, {'role': 'BOT', 'prompt': '{answer}'}]}
    infer_cfg = {'prompt_template': {'type': PromptTemplate, 'template': template},
                 'retriever': {'type': ZeroRetriever}}
    rows = [{'q': q, 'answer': ''} for q in QUESTIONS]
    return PromptBuilder(infer_cfg, 'answer', train=[], test=rows, where='test')


def test_answers_are_written_as_they_finish_and_match_chunked_generation(chat_lm, monkeypatch) -> None:
    builder, written = _builder(), []
    inferencer = GenInferencer(max_out_len=24, chunk_size=64)
    monkeypatch.setattr(gen_module, 'FLUSH_SECONDS', 0.0)  # write every answer the moment it is final
    inferencer.run(chat_lm, builder, list(range(len(QUESTIONS))), written.append)
    streamed = {r['index']: r['prediction'] for batch in written for r in batch}
    assert sorted(streamed) == list(range(len(QUESTIONS)))
    assert len(written) == len(QUESTIONS)  # one write per finished answer, not one at the end
    chunked = inferencer.infer_chunk(chat_lm, builder, [4, 0, 2])
    assert [r['index'] for r in chunked] == [4, 0, 2]
    assert all(r['prediction'] == streamed[r['index']] for r in chunked)
