"""Request bodies for the OpenAI API, and reading prompt log-probabilities back from echoed answers.

Scoring uses lm-eval's method: send the whole text to ``/completions`` with ``echo=True``,
``logprobs=1`` and ``max_tokens=1``; the answer carries every prompt token's log-probability
and its character offset, so the tokens of a continuation are those starting at or after
the context's last character (the one generated token lies beyond the text and is dropped).
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from evalkit.api.sampling import Sampling


def decoding_fields(sampling: Sampling, seed: int | None, max_out_len: int, stops: list[str]) -> dict[str, Any]:
    """The request fields of one generation: greedy is temperature 0; sampling passes its seed."""
    fields: dict[str, Any] = {'max_tokens': max_out_len, 'temperature': sampling.temperature}
    if not sampling.greedy:
        fields.update(top_p=sampling.top_p, seed=seed)
        if sampling.top_k > 0:
            fields['top_k'] = sampling.top_k  # an extension vLLM, SGLang and LMDeploy accept
    if stops:
        fields['stop'] = stops
    return fields


def chat_body(model: str, messages: list[dict[str, str]], reply_prefix: str,
              fields: Mapping[str, Any]) -> dict[str, Any]:
    """A chat request; a reply prefix is sent as an open assistant turn the server continues
    (vLLM's ``continue_final_message``), as the local engine renders it."""
    body: dict[str, Any] = {'model': model, 'messages': list(messages), **fields}
    if reply_prefix:
        body['messages'].append({'role': 'assistant', 'content': reply_prefix})
        body.update(add_generation_prompt=False, continue_final_message=True)
    return body


def completion_body(model: str, text: str, fields: Mapping[str, Any]) -> dict[str, Any]:
    return {'model': model, 'prompt': text, **fields}


def echo_body(model: str, text: str) -> dict[str, Any]:
    return {'model': model, 'prompt': text, 'max_tokens': 1, 'temperature': 0.0, 'echo': True, 'logprobs': 1}


def answer_text(answer: Mapping[str, Any], chat: bool) -> str:
    choice = answer['choices'][0]
    return (choice['message'].get('content') or '') if chat else choice['text']


def prompt_token_logprobs(answer: Mapping[str, Any], text_length: int) -> list[tuple[int, float | None]]:
    """``(character offset, log-probability)`` of every prompt token of an echoed answer (the first
    token has no log-probability: nothing precedes it)."""
    logprobs = answer['choices'][0]['logprobs']
    return [(offset, value) for offset, value in zip(logprobs['text_offset'], logprobs['token_logprobs'])
            if offset < text_length]
