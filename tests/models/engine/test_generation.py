"""Generation engine on the real model: greedy outputs independent of batching, stops honoured."""
from __future__ import annotations

import pytest
import torch

from evalkit.models import HuggingFaceCausalLM
from evalkit.models.engine.batching import BatchSizer

SHOTS = [{'role': 'HUMAN', 'prompt': 'Question: What is 2 plus 2?'},
         {'role': 'BOT', 'prompt': '2 plus 2 is 4. The answer is 4.'},
         {'role': 'HUMAN', 'prompt': 'Question: What is 3 times 3?'},
         {'role': 'BOT', 'prompt': '3 times 3 is 9. The answer is 9.'}]
QUESTIONS = ['What is 7 minus 5?', 'Tom has 5 apples and eats 2. How many are left?', 'What is 6 plus 1?',
             'Name a color.', 'hi', 'What is 10 divided by 2, and why is that the answer?', 'Count to three.',
             'What is 4 times 4?']
MAX_OUT = 20


def _prompts() -> list:
    return [SHOTS + [{'role': 'HUMAN', 'prompt': f'Question: {q}'}] for q in QUESTIONS]


def _with_batch_size(lm: HuggingFaceCausalLM, batch_size: int | str) -> None:
    lm.generator.sizer = BatchSizer(batch_size, lm.generator.backbone)


@pytest.fixture(scope='module')
def hf_reference(chat_lm: HuggingFaceCausalLM) -> list[str]:
    """transformers' own greedy ``generate``, one prompt at a time, cut at the stop word."""
    outs = []
    for prompt in _prompts():
        ids = torch.tensor([chat_lm._encode(chat_lm.render(prompt))])
        with torch.inference_mode():
            generated = chat_lm.model.generate(input_ids=ids, max_new_tokens=MAX_OUT, do_sample=False,
                                               pad_token_id=chat_lm.tokenizer.pad_token_id)
        text = chat_lm.tokenizer.decode(generated[0, ids.shape[1]:], skip_special_tokens=True)
        outs.append(text.split('Question:')[0])
    return outs


@pytest.mark.parametrize('batch_size', [8, 1, 3])
def test_greedy_outputs_do_not_depend_on_batching(chat_lm, hf_reference, batch_size) -> None:
    _with_batch_size(chat_lm, batch_size)
    chat_lm.prefix_cache.clear()
    outs = chat_lm.generate(_prompts(), max_out_len=MAX_OUT, stop_words=['Question:'])
    assert outs == hf_reference


def test_shared_few_shot_prefix_is_prefilled_once(chat_lm) -> None:
    _with_batch_size(chat_lm, 3)
    chat_lm.prefix_cache.clear()
    before = chat_lm.prefix_cache.computed_tokens
    chat_lm.generate(_prompts(), max_out_len=2)
    shared = len(chat_lm._encode(chat_lm.render(SHOTS)))
    assert shared - 10 <= chat_lm.prefix_cache.computed_tokens - before <= shared + 10  # once, not per batch


def test_stop_words_end_sequences_and_the_batch_early(chat_lm, monkeypatch) -> None:
    _with_batch_size(chat_lm, 8)
    backbone = chat_lm.generator.backbone
    calls = []
    forward = backbone.forward
    monkeypatch.setattr(backbone, 'forward', lambda *a, **k: calls.append(1) or forward(*a, **k))
    outs = chat_lm.generate(_prompts(), max_out_len=60, stop_words=[' is', '.'])
    assert all(' is' not in o and '.' not in o for o in outs)
    assert len(calls) < 30  # one prefill + a decode step per token of the longest sequence, far below 60


def test_max_out_len_is_honoured(chat_lm) -> None:
    _with_batch_size(chat_lm, 8)
    prompts = [chat_lm._encode(chat_lm.render(p)) for p in _prompts()[:3]]
    outs = chat_lm.generator.generate(prompts, 5, is_done=lambda ids: False)
    assert [len(o) for o in outs] == [5, 5, 5]
    assert chat_lm.generator.generate(prompts, 0, is_done=lambda ids: False) == [[], [], []]


def test_each_answer_is_handed_over_as_soon_as_it_is_final(chat_lm, monkeypatch) -> None:
    """Streaming: every request reaches ``on_done`` once (a duplicate too) with the ids generate returns,
    and an answer that ends early is handed over while the others still decode."""
    _with_batch_size(chat_lm, 8)
    backbone = chat_lm.generator.backbone
    forwards = []
    forward = backbone.forward
    monkeypatch.setattr(backbone, 'forward', lambda *a, **k: forwards.append(1) or forward(*a, **k))
    prompts = [chat_lm._encode(chat_lm.render(p)) for p in _prompts()]
    prompts.append(prompts[0])
    dot = chat_lm.tokenizer.convert_tokens_to_ids('.')
    seen: dict[int, tuple[list[int], int]] = {}
    outs = chat_lm.generator.generate(prompts, 40, lambda ids: ids[-1] == dot,
                                      on_done=lambda i, ids: seen.setdefault(i, (ids, len(forwards))))
    assert {i: ids for i, (ids, _) in seen.items()} == dict(enumerate(outs))
    assert min(at for _, at in seen.values()) < len(forwards)  # not all at the end


def test_auto_slots_decode_many_rows_and_back_off_on_out_of_memory(chat_lm, hf_reference, monkeypatch) -> None:
    """'auto' sizes the decode batch by KV memory (far above 8 rows here); when a batch still runs out
    of memory, the unfinished prompts restart with half the slots and answer exactly as before."""
    _with_batch_size(chat_lm, 'auto')
    sizer = chat_lm.generator.sizer
    assert sizer.decode_slots(600, 1500, 100) >= 32
    backbone = chat_lm.generator.backbone
    forward = backbone.forward
    widest: list[int] = []

    def forward_with_device_limit(ids, *args, **kwargs):  # this machine has no device that runs out
        if ids.shape[0] > 4:
            raise torch.OutOfMemoryError('simulated: more than 4 rows')
        widest.append(ids.shape[0])
        return forward(ids, *args, **kwargs)

    monkeypatch.setattr(backbone, 'forward', forward_with_device_limit)
    chat_lm.prefix_cache.clear()
    outs = chat_lm.generate(_prompts(), max_out_len=MAX_OUT, stop_words=['Question:'])
    assert outs == hf_reference
    assert max(widest) == 4  # 8 slots failed, 4 fit


def test_finished_rows_leave_the_batch_at_once(chat_lm, monkeypatch) -> None:
    """With nothing left in the queue, a row that finished is not computed again: every decode step's
    rows are exactly the sequences still generating (the step count alone would not show that)."""
    _with_batch_size(chat_lm, 8)
    backbone = chat_lm.generator.backbone
    decode_rows: list[int] = []
    forward = backbone.forward

    def counting_forward(ids, *args, **kwargs):
        if ids.shape[1] == 1:  # a decode step (every prompt tail here is longer than one token)
            decode_rows.append(ids.shape[0])
        return forward(ids, *args, **kwargs)

    monkeypatch.setattr(backbone, 'forward', counting_forward)
    prompts = [chat_lm._encode(chat_lm.render(p)) for p in _prompts()]
    dot = chat_lm.tokenizer.convert_tokens_to_ids('.')
    outs = chat_lm.generator.generate(prompts, 40, lambda ids: ids[-1] == dot)
    lengths = sorted(len(o) for o in outs)
    assert lengths[0] < lengths[-1], lengths  # answers of different lengths, so rows do finish early
    assert sum(decode_rows) == sum(n - 1 for n in lengths)  # the first token of each comes from its prefill
    assert decode_rows == sorted(decode_rows, reverse=True) and decode_rows[-1] == 1
