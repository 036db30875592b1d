"""What a prompt is, between the prompt templates and the models.

A prompt is either plain text or a dialogue: a list of messages whose roles are
``SYSTEM``, ``HUMAN`` and ``BOT``.  Templates produce prompts without knowing the
model; each model renders them (raw, through a meta template, or through its
tokenizer's chat template).  A dialogue that ends with a ``BOT`` message means
"the model speaks next, starting with this text".
"""
from __future__ import annotations

from typing import TypedDict


class Message(TypedDict):
    role: str
    prompt: str


Prompt = str | list[Message]

ROLES = ('SYSTEM', 'HUMAN', 'BOT')


def prompt_to_text(prompt: Prompt, sep: str = '\n') -> str:
    """Plain-text view of a prompt, used for models without any template and for logs."""
    if isinstance(prompt, str):
        return prompt
    return sep.join(m['prompt'] for m in prompt if m['prompt'])
