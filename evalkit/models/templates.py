"""Turning a prompt (text or dialogue) into the exact text a model reads.

Three ways, chosen per model: a raw join for base models, an OpenCompass-style
``meta_template`` (per-role begin/end strings) for models whose chat format is
known but whose tokenizer has no template, and the tokenizer's own chat template.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from evalkit.api.prompt import Message, Prompt, prompt_to_text

CHAT_ROLES = {'SYSTEM': 'system', 'HUMAN': 'user', 'BOT': 'assistant'}


def render_meta_template(prompt: Prompt, meta_template: Mapping[str, Any]) -> str:
    """Wrap each message in its role's ``begin``/``end``; a final BOT message stays open."""
    messages: list[Message] = [{'role': 'HUMAN', 'prompt': prompt}] if isinstance(prompt, str) else prompt
    roles = {r['role']: r for r in list(meta_template.get('round', [])) + list(meta_template.get('reserved_roles', []))}
    parts = [meta_template.get('begin', '')]
    for i, msg in enumerate(messages):
        spec = roles.get(msg['role'], {})
        is_open_reply = i == len(messages) - 1 and msg['role'] == 'BOT'
        parts.append(spec.get('begin', '') + msg['prompt'] + ('' if is_open_reply else spec.get('end', '')))
    if messages and messages[-1]['role'] != 'BOT' and 'BOT' in roles:
        parts.append(roles['BOT'].get('begin', ''))
    return ''.join(parts)


def chat_messages(prompt: Prompt) -> tuple[list[dict[str, str]], str]:
    """OpenAI-style ``{'role', 'content'}`` messages of a prompt, and the reply's opening text (a final
    BOT message).  Consecutive turns of one role are merged: chat templates reject them."""
    messages: list[Message] = [{'role': 'HUMAN', 'prompt': prompt}] if isinstance(prompt, str) else list(prompt)
    reply_prefix = ''
    if messages and messages[-1]['role'] == 'BOT':
        reply_prefix = messages[-1]['prompt']
        messages = messages[:-1]
    chat: list[dict[str, str]] = []
    for msg in messages:
        role = CHAT_ROLES.get(msg['role'], 'user')
        if chat and chat[-1]['role'] == role:
            chat[-1]['content'] += '\n' + msg['prompt']
        else:
            chat.append({'role': role, 'content': msg['prompt']})
    return chat, reply_prefix


def render_chat_template(prompt: Prompt, tokenizer: Any) -> str:
    """Render with the tokenizer's chat template; a final BOT message is the reply's opening text."""
    chat, reply_prefix = chat_messages(prompt)
    text = tokenizer.apply_chat_template(chat, tokenize=False, add_generation_prompt=True)
    return text + reply_prefix


def render_plain(prompt: Prompt) -> str:
    """Base models without a meta template read the messages joined by newlines."""
    return prompt_to_text(prompt)
