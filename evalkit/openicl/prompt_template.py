"""Prompt templates: how a dataset row becomes a prompt.

A template is plain text, a dialogue (``dict(begin=..., round=[...], end=...)``), or
for PPL scoring a dict from each candidate label to one of those.  ``{column}``
placeholders are filled from the row; only columns of the row are replaced, so
braces in code or LaTeX pass through untouched.  ``ice_token`` marks where the
in-context examples go.
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from evalkit.api.prompt import Message, Prompt
from evalkit.config.errors import ConfigError
from evalkit.registry import PROMPT_TEMPLATES

_DIALOGUE_KEYS = {'begin', 'round', 'end'}
_PLACEHOLDER = re.compile(r'\{(\w+)\}')


def fill(text: str, row: Mapping[str, Any]) -> str:
    """Replace ``{column}`` with the row's value, leaving every other brace alone."""
    return _PLACEHOLDER.sub(lambda m: str(row[m.group(1)]) if m.group(1) in row else m.group(0), text)


def _is_dialogue(template: Any) -> bool:
    return isinstance(template, Mapping) and set(template) <= _DIALOGUE_KEYS and 'round' in template


def _as_messages(part: Any) -> list[Message]:
    if not part:
        return []
    if isinstance(part, str):
        return [{'role': 'HUMAN', 'prompt': part}]  # a bare string (usually the ice_token) in begin/end
    return [{'role': m['role'], 'prompt': m.get('prompt', '')} for m in part]


@PROMPT_TEMPLATES.register_module()
class PromptTemplate:
    """Renders rows of a dataset into prompts."""

    def __init__(self, template: Any, ice_token: str | None = None) -> None:
        if not isinstance(template, (str, Mapping)):
            raise ConfigError(f'prompt template must be a string or a dict, got {type(template).__name__}.')
        self.template = template
        self.ice_token = ice_token
        self.per_label = isinstance(template, Mapping) and not _is_dialogue(template)

    @property
    def labels(self) -> list[Any]:
        if not self.per_label:
            raise ConfigError('this template has no per-label variants; PPL scoring needs dict(label=template).')
        return list(self.template)

    def _pick(self, label: Any) -> Any:
        if not self.per_label:
            return self.template
        if label not in self.template:
            raise ConfigError(f'label {label!r} has no template; labels are {list(self.template)}.')
        return self.template[label]

    def render(self, row: Mapping[str, Any], label: Any = None, ice: Prompt = '',
               cut_at: str | None = None) -> Prompt:
        """Fill the template for ``row``; ``cut_at`` names the answer column to stop before (generation)."""
        template = self._pick(label)
        if isinstance(template, str):
            return self._render_text(template, row, ice, cut_at)
        return self._render_dialogue(template, row, ice, cut_at)

    def _render_text(self, template: str, row: Mapping[str, Any], ice: Prompt, cut_at: str | None) -> str:
        if cut_at and '{' + cut_at + '}' in template:
            template = template[:template.index('{' + cut_at + '}')]
        if not isinstance(ice, str):
            raise ConfigError('a text prompt template cannot take dialogue in-context examples; '
                              'make the ice_template text too, or the prompt_template a dialogue.')
        text = fill(template, row)
        if self.ice_token:
            return text.replace(self.ice_token, ice)
        return ice + text

    def _render_dialogue(self, template: Mapping[str, Any], row: Mapping[str, Any], ice: Prompt,
                         cut_at: str | None) -> list[Message]:
        raw = _as_messages(template.get('begin')) + _as_messages(template['round']) + _as_messages(template.get('end'))
        out: list[Message] = []
        for msg in raw:
            text = msg['prompt']
            if self.ice_token and text == self.ice_token:
                out.extend([{'role': 'HUMAN', 'prompt': ice}] if isinstance(ice, str) and ice else ice or [])
                continue
            placeholder = '{' + cut_at + '}' if cut_at else None
            if placeholder and placeholder in text:
                out.append({'role': msg['role'], 'prompt': fill(text[:text.index(placeholder)], row)})
                return out
            if self.ice_token and self.ice_token in text:
                if not isinstance(ice, str):
                    raise ConfigError('dialogue in-context examples must stand alone: make the ice_token '
                                      'its own entry in the template\'s begin or round.')
                text = text.replace(self.ice_token, ice)
            out.append({'role': msg['role'], 'prompt': fill(text, row)})
        return out


def join_prompts(parts: Sequence[Prompt], separator: str, end: str) -> Prompt:
    """Concatenate rendered in-context examples: text with separators, dialogues as one list."""
    if not parts:
        return ''
    if all(isinstance(p, str) for p in parts):
        return separator.join(parts) + end  # type: ignore[arg-type]
    messages: list[Message] = []
    for part in parts:
        messages.extend([{'role': 'HUMAN', 'prompt': part}] if isinstance(part, str) else part)
    return messages
