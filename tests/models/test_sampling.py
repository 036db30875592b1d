"""Sampled generation on the real model: seeded answers that do not depend on batching, greedy unchanged,
and sampling settings that are checked before any work."""
from __future__ import annotations

import re

import pytest
import torch

from evalkit.api.sampling import Sampling
from evalkit.config.errors import ConfigError
from evalkit.config.validation import check_component
from evalkit.models import HuggingFaceCausalLM
from evalkit.models.engine.batching import BatchSizer
from evalkit.models.engine.sampling import Sampler
from evalkit.openicl.inferencers import GenInferencer
from evalkit.openicl.prompt_builder import PromptBuilder
from evalkit.openicl.prompt_template import PromptTemplate
from evalkit.openicl.retrievers import ZeroRetriever
from evalkit.registry import INFERENCERS, MODELS

PROMPTS = ['The capital of France is', 'Once upon a time', 'def add(a, b):', 'My favourite fruit is']
HOT = Sampling(temperature=1.0, top_p=0.95, top_k=50, seed=7)
MAX_OUT = 8


def _sampled(lm: HuggingFaceCausalLM, prompts: list[str], seeds: list[int], batch_size: int) -> list[str]:
    original = lm.generator.sizer
    lm.generator.sizer = BatchSizer(batch_size, lm.generator.backbone)
    try:
        return lm.generate(prompts, MAX_OUT, sampling=HOT, seeds=seeds)
    finally:
        lm.generator.sizer = original


def test_same_seed_same_samples_whatever_the_batch(base_lm) -> None:
    seeds = [11, 12, 13]
    first = _sampled(base_lm, PROMPTS[:3], seeds, batch_size=8)
    # a second run, one row at a time and in reverse order: each answer follows its own seed only
    assert _sampled(base_lm, PROMPTS[2::-1], seeds[::-1], batch_size=1)[::-1] == first
    assert _sampled(base_lm, PROMPTS[:2], [21, 22], batch_size=8) != first[:2]  # the seed matters


def test_samples_of_one_prompt_differ_and_rows_keep_their_samples_in_any_chunk(base_lm) -> None:
    infer_cfg = {'prompt_template': {'type': PromptTemplate, 'template': '{text}'},
                 'retriever': {'type': ZeroRetriever}}
    builder = PromptBuilder(infer_cfg, 'answer', train=[], test=[{'text': p, 'answer': ''} for p in PROMPTS],
                            where='test')
    inferencer = GenInferencer(max_out_len=MAX_OUT, temperature=1.0, seed=3, num_return_sequences=2)
    whole = inferencer.infer_chunk(base_lm, builder, [0, 1, 2])
    assert all(len(r['samples']) == 2 and r['prediction'] == r['samples'][0] for r in whole)
    assert all(r['samples'][0] != r['samples'][1] for r in whole)  # each sample has its own seed
    shard = inferencer.infer_chunk(base_lm, builder, [2])  # another shard / chunk composition
    assert shard[0]['samples'] == whole[2]['samples']


def test_no_sampling_is_exactly_the_greedy_engine_and_transformers(base_lm) -> None:
    default = base_lm.generate(PROMPTS[:2], MAX_OUT)
    assert base_lm.generate(PROMPTS[:2], MAX_OUT, sampling=Sampling(temperature=0.0, seed=5)) == default
    assert base_lm.generate(PROMPTS[:2], MAX_OUT, sampling=Sampling.from_generation_kwargs(
        {'do_sample': False, 'num_beams': 1}, 'model')) == default
    for prompt, text in zip(PROMPTS[:2], default):
        ids = torch.tensor([base_lm._encode(prompt)])
        with torch.inference_mode():
            out = base_lm.model.generate(input_ids=ids, max_new_tokens=MAX_OUT, do_sample=False,
                                         pad_token_id=base_lm.tokenizer.pad_token_id)
        assert base_lm.tokenizer.decode(out[0, ids.shape[1]:], skip_special_tokens=True) == text


@pytest.mark.parametrize(('values', 'message'), [
    ({'top_p': 0}, 'top_p: expected a number in (0, 1]'),
    ({'temperature': -0.5}, 'temperature: expected a number >= 0'),
    ({'top_k': -1}, 'top_k: expected an integer >= 0'),
    ({'num_return_sequences': 0}, 'num_return_sequences: expected an integer >= 1'),
])
def test_bad_sampling_values_are_config_errors_naming_the_key(values, message) -> None:
    cfg = {'type': 'GenInferencer', **values}
    with pytest.raises(ConfigError, match=re.escape(message)) as error:
        check_component(cfg, INFERENCERS, 'cfg.py: datasets[0].infer_cfg.inferencer')
    assert str(error.value).startswith('cfg.py: datasets[0].infer_cfg.inferencer.')
    with pytest.raises(ConfigError, match='generation_kwargs'):
        Sampling.from_generation_kwargs(values, "model 'm'")


def test_generation_kwargs_in_hugging_face_spelling() -> None:
    assert Sampling.from_generation_kwargs({'do_sample': True}, 'm').temperature == 1.0
    assert Sampling.from_generation_kwargs({'do_sample': False, 'temperature': 0.7}, 'm').greedy
    assert Sampling.from_generation_kwargs({'temperature': 0.7, 'top_k': 40}, 'm') == Sampling(0.7, top_k=40)
    with pytest.raises(ConfigError, match=r"max_new_tokens.*max_out_len and stop_words set the length"):
        Sampling.from_generation_kwargs({'max_new_tokens': 5}, "model 'm'")
    with pytest.raises(ConfigError, match='need temperature > 0'):
        Sampling.from_generation_kwargs({'num_return_sequences': 4}, "model 'm'")
    with pytest.raises(ConfigError, match=r"model 'm'.generation_kwargs"):
        check_component({'type': 'HuggingFaceCausalLM', 'path': 'embedded:smollm2-135m-instruct',
                         'generation_kwargs': {'top_p': 1.5}}, MODELS, "model 'm'")


@pytest.mark.parametrize(('top_k', 'top_p'), [(0, 1.0), (5, 1.0), (0, 0.6), (10, 0.8)])
def test_draws_follow_the_filtered_distribution(top_k: int, top_p: float) -> None:
    logits = torch.randn(50, generator=torch.Generator().manual_seed(0)) * 3
    expected = torch.softmax(logits / 0.5, -1).double()
    kept = torch.zeros(50, dtype=torch.bool)
    kept[torch.topk(expected, top_k or 50).indices] = True
    expected = torch.where(kept, expected, 0.0) / expected[kept].sum()
    ordered, order = torch.sort(expected, descending=True)
    kept[order[(ordered.cumsum(0) - ordered) >= top_p]] = False
    expected = torch.where(kept, expected, 0.0) / expected[kept].sum()
    uniforms = torch.rand(20000, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    tokens = Sampler(0.5, top_p, top_k, [0]).draw(logits.expand(20000, 50), uniforms)
    frequencies = torch.bincount(tokens, minlength=50).double() / 20000
    assert set(tokens.tolist()) <= set(kept.nonzero()[:, 0].tolist())
    assert float((frequencies - expected).abs().max()) < 0.02
