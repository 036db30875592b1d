"""How a model turns prompts into what it reads: chat template, meta template, left truncation."""
from __future__ import annotations

import torch

from evalkit.models import HuggingFaceCausalLM
from evalkit.models.templates import render_meta_template

DIALOGUE = [{'role': 'HUMAN', 'prompt': 'Q: 1+1?'}, {'role': 'BOT', 'prompt': '2'},
            {'role': 'HUMAN', 'prompt': 'Q: 2+2?'}]
SMOLLM_SYSTEM = '<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n'


def test_chat_mode_renders_with_the_tokenizers_chat_template(chat_lm: HuggingFaceCausalLM) -> None:
    assert chat_lm.render(DIALOGUE) == (
        SMOLLM_SYSTEM + '<|im_start|>user\nQ: 1+1?<|im_end|>\n<|im_start|>assistant\n2<|im_end|>\n'
        '<|im_start|>user\nQ: 2+2?<|im_end|>\n<|im_start|>assistant\n')
    # A final BOT message is the start of the reply; consecutive turns of one role are merged.
    opened = chat_lm.render([{'role': 'HUMAN', 'prompt': 'a'}, {'role': 'HUMAN', 'prompt': 'b'},
                             {'role': 'BOT', 'prompt': 'Answer:'}])
    assert opened == SMOLLM_SYSTEM + '<|im_start|>user\na\nb<|im_end|>\n<|im_start|>assistant\nAnswer:'


def test_base_mode_reads_raw_text(base_lm: HuggingFaceCausalLM) -> None:
    assert base_lm.render('Answer: A') == 'Answer: A'
    assert base_lm.render(DIALOGUE) == 'Q: 1+1?\n2\nQ: 2+2?'


def test_opencompass_style_meta_template_rounds() -> None:
    meta = dict(round=[dict(role='HUMAN', begin='<|User|>:', end='\n'),
                       dict(role='BOT', begin='<|Bot|>:', end='<eoa>\n', generate=True)])
    assert render_meta_template(DIALOGUE, meta) == '<|User|>:Q: 1+1?\n<|Bot|>:2<eoa>\n<|User|>:Q: 2+2?\n<|Bot|>:'
    assert render_meta_template('plain question', meta) == '<|User|>:plain question\n<|Bot|>:'


def test_prompts_longer_than_max_seq_len_lose_their_beginning(base_lm: HuggingFaceCausalLM) -> None:
    text = ' '.join(f'word{i}' for i in range(60))
    ids = base_lm.tokenizer(text)['input_ids']
    assert len(ids) > 40
    saved = base_lm.max_seq_len
    base_lm.max_seq_len = 24
    try:
        ppl = base_lm.perplexity([text])[0]
        loglik = base_lm.loglikelihood([text], [' word60'])[0]
    finally:
        base_lm.max_seq_len = saved
    kept = ids[-24:]
    with torch.inference_mode():
        logits = base_lm.model(input_ids=torch.tensor([kept])).logits[0].float()
    nll = -logits[:-1].log_softmax(-1).gather(-1, torch.tensor(kept[1:])[:, None]).sum()
    assert abs(ppl - float(nll) / len(kept)) <= 1e-4
    whole = base_lm.tokenizer(text + ' word60')['input_ids'][-25:]  # max_seq_len + 1 tokens, the left cut
    cont = len(base_lm.tokenizer(text + ' word60')['input_ids']) - len(ids)
    with torch.inference_mode():
        logits = base_lm.model(input_ids=torch.tensor([whole[:-1]])).logits[0].float()
    expected = logits[-cont:].log_softmax(-1).gather(-1, torch.tensor(whole[-cont:])[:, None]).sum()
    assert abs(loglik - float(expected)) <= 1e-4
