"""Scoring engine on the real model: equal to a naive one-request-at-a-time reference, whatever the batching.

The references below are literal re-implementations of what the peers compute for one
unpadded request: OpenCompass's ``get_ppl`` (cross-entropy with ``ignore_index=pad``,
divided by the non-pad token count minus the mask) and lm-eval's ``loglikelihood``
(trailing context spaces moved to the continuation, continuation = the whole text's
tokens after the context's).
"""
from __future__ import annotations

import contextlib
import random
from collections.abc import Iterator

import pytest
import torch
import torch.nn.functional as F

from evalkit.models import HuggingFaceCausalLM
from evalkit.models.engine.batching import BatchSizer

TOL = 1e-4
SHOTS = ('Multiple choice questions about geography.\n\n'
         'Capital of Italy?\nA. Rome\nB. Milan\nC. Turin\nD. Naples\nAnswer: A\n\n')
QUESTIONS = ('River of Cairo?\nA. Niger\nB. Nile\nC. Congo\nD. Zambezi\nAnswer:',
             'Capital of Japan?\nA. Osaka\nB. Kyoto\nC. Tokyo\nD. Nara\nAnswer:',
             'Everest lies in?\nA. Andes\nB. Alps\nC. Rockies\nD. Himalayas\nAnswer:')


def _ppl_prompts() -> list[str]:
    prompts = [SHOTS + q + f' {label}' for q in QUESTIONS for label in 'ABCD']
    return prompts + [
        prompts[0],  # a duplicate
        SHOTS + QUESTIONS[0],  # a prefix of four other prompts
        'The capital of France is Paris, a city of lights.',  # unrelated, different lengths
        'The capital of France is',
        'Question: hi<|im_end|>\nAnswer: B',  # holds the pad token id, which OpenCompass ignores
        'A',  # one token: nothing to score
    ]


def _oc_ppl(lm: HuggingFaceCausalLM, text: str, mask_length: int | None = None) -> float:
    ids = torch.tensor([lm.tokenizer(text)['input_ids']])
    with torch.inference_mode():
        logits = lm.model(input_ids=ids).logits
    pad = lm.tokenizer.pad_token_id
    loss = F.cross_entropy(logits[0, :-1].float(), ids[0, 1:], ignore_index=pad, reduction='none')
    lens = int((ids != pad).sum())
    if mask_length is not None:
        mask = torch.zeros_like(loss)
        mask[max(mask_length - 1, 0):] = 1
        loss, lens = loss * mask, lens - mask_length
    return float(loss.sum()) / lens


def _lmeval_loglikelihood(lm: HuggingFaceCausalLM, context: str, continuation: str) -> float:
    spaces = len(context) - len(context.rstrip())
    if spaces:
        context, continuation = context[:-spaces], context[-spaces:] + continuation
    whole, ctx = lm.tokenizer(context + continuation)['input_ids'], lm.tokenizer(context)['input_ids']
    cont = whole[len(ctx):]
    with torch.inference_mode():
        logits = lm.model(input_ids=torch.tensor([(ctx + cont)[:-1]])).logits[0, -len(cont):]
    return float(logits.float().log_softmax(-1).gather(-1, torch.tensor(cont)[:, None]).sum())


@contextlib.contextmanager
def configured(lm: HuggingFaceCausalLM, batch_size: int | str, share: bool) -> Iterator[None]:
    saved = lm.scorer.sizer, lm.share_prefixes
    lm.scorer.sizer, lm.share_prefixes = BatchSizer(batch_size, lm.scorer.backbone), share
    try:
        yield
    finally:
        lm.scorer.sizer, lm.share_prefixes = saved


@pytest.fixture(scope='module')
def ppl_reference(base_lm: HuggingFaceCausalLM) -> list[float]:
    return [_oc_ppl(base_lm, p) for p in _ppl_prompts()]


@pytest.mark.parametrize('batch_size,share,shuffle', [
    (1, True, False), (3, True, True), ('auto', True, True), (8, False, True)])
def test_perplexity_matches_opencompass_whatever_the_batching(base_lm, ppl_reference, batch_size, share,
                                                              shuffle) -> None:
    prompts = _ppl_prompts()
    order = list(range(len(prompts)))
    if shuffle:
        random.Random(batch_size if isinstance(batch_size, int) else 0).shuffle(order)
    base_lm.prefix_cache.clear()
    with configured(base_lm, batch_size, share):
        scores = base_lm.perplexity([prompts[i] for i in order])
    diffs = [abs(s - ppl_reference[i]) for s, i in zip(scores, order)]
    assert max(diffs) <= TOL, diffs


def test_perplexity_with_mask_lengths(base_lm) -> None:
    prompts = [SHOTS + QUESTIONS[0] + ' B', SHOTS + QUESTIONS[1] + ' C', 'Short text here.']
    masks = [len(base_lm.tokenizer(SHOTS)['input_ids']), 5, 0]
    scores = base_lm.perplexity(prompts, mask_lengths=masks)
    reference = [_oc_ppl(base_lm, p, m) for p, m in zip(prompts, masks)]
    assert max(abs(a - b) for a, b in zip(scores, reference)) <= TOL


def test_loglikelihood_matches_lm_eval(base_lm) -> None:
    contexts = [SHOTS + q for q in QUESTIONS[:2] for _ in 'ABCD'] + ['The capital of France is ', 'Hello there']
    continuations = [f' {label}' for _ in QUESTIONS[:2] for label in 'ABCD'] + ['Paris, of course.', '!']
    reference = [_lmeval_loglikelihood(base_lm, c, x) for c, x in zip(contexts, continuations)]
    with configured(base_lm, 3, True):
        scores = base_lm.loglikelihood(contexts, continuations)
    assert max(abs(a - b) for a, b in zip(scores, reference)) <= TOL


def test_prefix_is_computed_once_across_calls(base_lm, ppl_reference) -> None:
    prompts = _ppl_prompts()[:12]
    base_lm.prefix_cache.clear()
    first = base_lm.perplexity(prompts[:8])
    computed = base_lm.prefix_cache.computed_tokens
    assert computed > 0
    second = base_lm.perplexity(prompts[4:12])  # the next chunk of the same "subject"
    assert base_lm.prefix_cache.computed_tokens == computed
    assert max(abs(a - b) for a, b in zip(first + second[4:], ppl_reference[:12])) <= TOL


def test_output_head_only_sees_small_slices(base_lm, monkeypatch) -> None:
    """No [batch, length, vocab] tensor: the head runs on bounded slices of the scored positions."""
    backbone = base_lm.scorer.backbone
    head = backbone.head
    seen: list[int] = []

    def recording_head(hidden: torch.Tensor) -> torch.Tensor:
        seen.append(hidden.shape[0] if hidden.dim() == 2 else hidden.shape[0] * hidden.shape[1])
        return head(hidden)

    monkeypatch.setattr(backbone, 'head', recording_head)
    base_lm.prefix_cache.clear()
    base_lm.perplexity(_ppl_prompts())
    assert seen and max(seen) <= 64 * 2**20 // (4 * backbone.vocab_size)
    assert sum(seen) > max(seen)  # several slices were needed


def test_attended_keys_are_each_computed_tokens_position_plus_one(base_lm) -> None:
    """The scoring work benchmarks price attention by: the shots once (the cached prefix), then each
    question's own text and its four labels, every token counted with the keys it attends to."""
    from evalkit.models.engine.planning import common_prefix_len
    from evalkit.models.engine.scoring import ScoreStats

    prompts = [SHOTS + q + f' {label}' for q in QUESTIONS[:2] for label in 'ABCD']
    base_lm.prefix_cache.clear()
    base_lm.scorer.stats, base_lm.prefix_cache.attended_keys = ScoreStats(), 0
    with configured(base_lm, 8, True):
        base_lm.perplexity(prompts)
    ids = [base_lm._encode(base_lm.render(p)) for p in prompts]
    shared = min(common_prefix_len(ids[0], other) for other in ids[1:])  # the shots: the run's prefix

    def keys(lo: int, hi: int) -> int:
        return sum(t + 1 for t in range(lo, hi))

    expected = keys(0, shared)
    for question in (ids[:4], ids[4:]):
        context = min(common_prefix_len(question[0], other) for other in question[1:])
        expected += keys(shared, context) + sum(keys(context, len(seq)) for seq in question)
    assert base_lm.scoring_work()['attended_keys'] == expected
