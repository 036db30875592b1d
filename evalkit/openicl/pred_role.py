"""``eval_cfg.pred_role``: which dialogue role's turn is the prediction (OpenCompass's meaning).

A model fed through a ``meta_template`` writes its reply between that template's markers
for the role (``begin='<|Bot|>:', end='<eoa>\\n'``); markers that are not special tokens
survive decoding, and a base model may run on past its turn into a made-up next one.
``pred_role='BOT'`` keeps only the role's turn: the output up to the role's ``end`` marker,
without the ``begin`` marker if the output opens by repeating it (OpenCompass looks for ``begin``
anywhere, which would keep a made-up later turn instead of the answer).  Models without a meta template
(plain text, or the tokenizer's chat template, whose markers are special tokens that
decoding drops) return their reply as it is, as in OpenCompass.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def role_prediction(text: str, meta_template: Mapping[str, Any] | None, role: str | None) -> str:
    """``text`` cut to ``role``'s turn as ``meta_template`` marks it (unchanged without either)."""
    if not role or not meta_template:
        return text
    roles = {r['role']: r for r in [*meta_template.get('round', []), *meta_template.get('reserved_roles', [])]}
    spec = roles.get(role)
    if spec is None:
        return text
    begin, end = spec.get('begin', ''), spec.get('end', '')
    if begin.strip() and text.lstrip().startswith(begin):  # the model repeated its own opening marker
        text = text.lstrip()[len(begin):]
    if end.strip() and end in text:
        text = text[:text.index(end)]
    return text
