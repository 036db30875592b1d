"""``eval_cfg.pred_role``: the prediction is the named role's turn, as a meta template marks it."""
from __future__ import annotations

from evalkit.openicl.pred_role import role_prediction

META = dict(round=[dict(role='HUMAN', begin='<|User|>:', end='\n'),
                   dict(role='BOT', begin='<|Bot|>:', end='<eoa>\n', generate=True)])


def test_bot_turn_ends_at_its_end_marker() -> None:
    # A base model runs on past its turn into a made-up next exchange.
    assert role_prediction('B. 42<eoa>\n<|User|>:Next?\n<|Bot|>:C', META, 'BOT') == 'B. 42'


def test_repeated_begin_marker_is_dropped() -> None:
    assert role_prediction('<|Bot|>:The answer is C<eoa>\n', META, 'BOT') == 'The answer is C'


def test_other_roles_use_their_own_markers() -> None:
    meta = dict(round=[dict(role='HUMAN', begin='<|User|>:', end='<eoh>'), *META['round'][1:]])
    assert role_prediction('<|User|>:A<eoh>\n<|Bot|>:B<eoa>\n', meta, 'HUMAN') == 'A'


def test_without_role_or_template_the_prediction_is_unchanged() -> None:
    text = 'B. 42<eoa>\nmore'
    assert role_prediction(text, META, None) == text
    assert role_prediction(text, None, 'BOT') == text  # chat-template models: markers are special tokens
    assert role_prediction(text, dict(round=[dict(role='HUMAN', begin='Q:')]), 'BOT') == text


def test_whitespace_only_markers_do_not_cut() -> None:
    meta = dict(round=[dict(role='BOT', begin=' ', end='\n')])
    assert role_prediction('line one\nline two', meta, 'BOT') == 'line one\nline two'
