"""Judge prompts: a system text and a user template per (mode, graded turn, category), from configs.

A dataset's ``judge_cfg.prompts`` lists entries, each either written out
(``dict(system=..., user=..., mode='single', turn=1, categories=[...])``) or taken by ``name`` from a
file in MT-Bench's ``judge_prompts.jsonl`` layout (``dict(from_file='mtbench/judge_prompts.jsonl',
name='single-v1', turn=1)``, the file read in place under the data roots).  A new rubric is a new
entry, never new code.

Placeholders (``{name}``; other braces are left alone, so a rubric may show JSON):
``question``, ``answer``, ``reference``, ``category`` (the graded turn), ``answer_a``/``answer_b``
(pairwise), and per turn ``question_N``, ``answer_N``, ``answer_a_N``, ``answer_b_N``, ``ref_answer_N``
(the multi-turn forms that show the whole dialogue and grade its last turn).
"""
from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from evalkit.api.prompt import Message
from evalkit.config.errors import ConfigError
from evalkit.datasets.data_root import describe_roots, find_local

Mode = Literal['single', 'pairwise']
PLACEHOLDER = re.compile(r'\{([A-Za-z_][A-Za-z0-9_]*)\}')
_PER_TURN = re.compile(r'(question|answer|answer_a|answer_b|ref_answer)_(\d+)')
_PLAIN_FIELDS = {'single': {'question', 'answer', 'reference', 'category'},
                 'pairwise': {'question', 'answer_a', 'answer_b', 'reference', 'category'}}
_PER_TURN_FIELDS = {'single': {'question', 'answer', 'ref_answer'},
                    'pairwise': {'question', 'answer_a', 'answer_b', 'ref_answer'}}
ENTRY_KEYS = {'system', 'user', 'mode', 'turn', 'categories', 'from_file', 'name'}


@dataclass(frozen=True)
class JudgePrompt:
    """One rubric: what the judge reads for a graded turn of the given mode and categories
    (no categories: every category without a prompt of its own)."""

    name: str
    system: str
    user: str
    mode: Mode = 'single'
    turn: int = 1
    categories: tuple[str, ...] = ()

    def placeholders(self) -> set[str]:
        return set(PLACEHOLDER.findall(self.system)) | set(PLACEHOLDER.findall(self.user))

    def messages(self, fields: Mapping[str, str]) -> list[Message]:
        """The judge's dialogue with every placeholder filled (a missing value is a ConfigError)."""
        def fill(text: str) -> str:
            def value(match: re.Match[str]) -> str:
                if match.group(1) not in fields:
                    raise ConfigError(f"judge prompt '{self.name}': no value for {{{match.group(1)}}} in this row "
                                      f"(e.g. a reference answer the row lacks). Give the row that column, or "
                                      f"use a prompt without the placeholder for its category.")
                return fields[match.group(1)]
            return PLACEHOLDER.sub(value, text)

        user: list[Message] = [{'role': 'HUMAN', 'prompt': fill(self.user)}]
        return [{'role': 'SYSTEM', 'prompt': fill(self.system)}, *user] if self.system else user


def unknown_placeholders(prompt: JudgePrompt) -> list[str]:
    """Placeholders the mode of ``prompt`` cannot fill (typos, or pairwise names in a single rubric)."""
    bad = []
    for name in sorted(prompt.placeholders()):
        per_turn = _PER_TURN.fullmatch(name)
        known = (per_turn.group(1) in _PER_TURN_FIELDS[prompt.mode] and int(per_turn.group(2)) >= 1
                 if per_turn else name in _PLAIN_FIELDS[prompt.mode])
        if not known:
            bad.append(name)
    return bad


def load_prompts(entries: Any, where: str) -> list[JudgePrompt]:
    """The ``judge_cfg.prompts`` list as JudgePrompts, checked (keys, modes, turns, placeholders)."""
    if not isinstance(entries, Sequence) or isinstance(entries, str) or not entries:
        raise ConfigError(f'{where}: expected a non-empty list of judge prompts, e.g. '
                          f"[dict(system='...', user='[Question]\\n{{question}}\\n[Answer]\\n{{answer}}')].")
    return [_prompt(entry, f'{where}[{k}]') for k, entry in enumerate(entries)]


def _prompt(entry: Any, where: str) -> JudgePrompt:
    if not isinstance(entry, Mapping):
        raise ConfigError(f'{where}: expected a dict (system, user, mode, turn, categories; or from_file and '
                          f'name), got {entry!r}.')
    unknown = sorted(set(entry) - ENTRY_KEYS)
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {unknown}. Allowed keys: {', '.join(sorted(ENTRY_KEYS))}.")
    base = _from_file(entry, where) if 'from_file' in entry else {}
    values = {**base, **{k: entry[k] for k in ('system', 'user', 'mode', 'turn') if k in entry}}
    if not isinstance(values.get('user'), str) or not values['user']:
        raise ConfigError(f"{where}: needs 'user', the template the judge reads (or from_file and name).")
    mode, turn = values.get('mode', 'single'), values.get('turn', 1)
    if mode not in ('single', 'pairwise'):
        raise ConfigError(f"{where}.mode: expected 'single' or 'pairwise', got {mode!r}.")
    if isinstance(turn, bool) or not isinstance(turn, int) or turn < 1:
        raise ConfigError(f'{where}.turn: expected the graded turn, a whole number >= 1, got {turn!r}.')
    categories = entry.get('categories') or ()
    if isinstance(categories, str) or not all(isinstance(c, str) for c in categories):
        raise ConfigError(f'{where}.categories: expected a list of category names, got {categories!r}.')
    prompt = JudgePrompt(name=str(entry.get('name', where)), system=str(values.get('system') or ''),
                         user=values['user'], mode=mode, turn=turn, categories=tuple(categories))
    if bad := unknown_placeholders(prompt):
        raise ConfigError(f"{where}: placeholder(s) {', '.join('{' + b + '}' for b in bad)} cannot be filled in "
                          f"{mode} mode. Known: {', '.join(sorted(_PLAIN_FIELDS[mode]))} and per turn "
                          f"{', '.join(f + '_N' for f in sorted(_PER_TURN_FIELDS[mode]))}.")
    return prompt


def _from_file(entry: Mapping[str, Any], where: str) -> dict[str, Any]:
    """An entry of a ``judge_prompts.jsonl`` file (fields name, type, system_prompt, prompt_template)."""
    rel, name = entry['from_file'], entry.get('name')
    root = find_local([rel]) if isinstance(rel, str) else None
    if root is None:
        raise ConfigError(f"{where}.from_file: '{rel}' was not found under the data roots ({describe_roots()}). "
                          f'Put the file there or point --data-root at the folder holding it.')
    found = []
    with open(root / rel, encoding='utf-8') as fh:
        for line in fh:
            if line.strip() and (row := json.loads(line)).get('name') == name:
                found.append(row)
    if not found:
        raise ConfigError(f"{where}.name: no prompt named {name!r} in {root / rel}.")
    row = found[0]
    mode = {'single': 'single', 'pairwise': 'pairwise'}.get(row.get('type'), row.get('type'))
    return {'system': row.get('system_prompt', ''), 'user': row.get('prompt_template', ''), 'mode': mode,
            'turn': 2 if str(name).endswith('multi-turn') else 1}


def choose_prompt(prompts: Sequence[JudgePrompt], mode: Mode, turn: int, category: str | None) -> JudgePrompt | None:
    """The rubric for a graded turn: one made for the row's category first, else a general one."""
    fitting = [p for p in prompts if p.mode == mode and p.turn == turn]
    own = [p for p in fitting if category is not None and category in p.categories]
    general = [p for p in fitting if not p.categories]
    return (own or general or [None])[0]
