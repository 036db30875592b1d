"""ChatInferencer on the real chat model: which earlier answers each turn sees, and the row format."""
from __future__ import annotations

import pytest

from evalkit.config.errors import ConfigError
from evalkit.openicl.inferencers import ChatInferencer
from evalkit.openicl.prompt_builder import PromptBuilder
from evalkit.openicl.prompt_template import PromptTemplate
from evalkit.openicl.retrievers import ZeroRetriever

GOLD = 'The gold answer is forty-two.'
ROWS = [
    # MT-Bench's layout: user messages only
    {'turns': ['Name one planet.', 'Now name another one.'], 'answer': ''},
    # messages with a gold answer after the first user turn
    {'turns': [{'role': 'HUMAN', 'prompt': 'What is six times seven?'}, {'role': 'BOT', 'prompt': GOLD},
               {'role': 'HUMAN', 'prompt': 'Say it in words.'}], 'answer': ''},
]


def _builder(rows: list[dict]) -> PromptBuilder:
    infer_cfg = {'prompt_template': {'type': PromptTemplate, 'template': '{turns}'},
                 'retriever': {'type': ZeroRetriever}}
    return PromptBuilder(infer_cfg, 'answer', train=[], test=rows, where='test')


def test_every_feeds_back_the_models_own_answers(chat_lm) -> None:
    records = ChatInferencer(infer_mode='every', max_out_len=8).infer_chunk(chat_lm, _builder(ROWS), [0, 1])
    for record in records:
        first, second = record['answers']
        assert record['prediction'] == second
        assert first.strip() and first.strip() in record['prompt']  # the second prompt holds the first answer
        assert record['prompt'].count('<|im_start|>user') == 2
    assert GOLD not in records[1]['prompt']  # the gold answer is replaced by the model's own


def test_every_with_gt_feeds_back_the_gold_answers_and_last_answers_once(chat_lm) -> None:
    rows = [ROWS[1], {'turns': ['What is six times seven?', 'Say it in words.'], 'gold': [GOLD], 'answer': ''}]
    with_gt = ChatInferencer(infer_mode='every_with_gt', answers_column='gold', max_out_len=8)
    records = with_gt.infer_chunk(chat_lm, _builder(rows[1:]), [0])
    assert len(records[0]['answers']) == 2 and GOLD in records[0]['prompt']
    assert records[0]['answers'][0].strip() not in records[0]['prompt']
    last = ChatInferencer(infer_mode='last', max_out_len=8).infer_chunk(chat_lm, _builder(rows[:1]), [0])[0]
    assert len(last['answers']) == 1 and GOLD in last['prompt']
    assert last['prompt'] == records[0]['prompt']  # both ask the last turn after the gold answer


def test_row_format_errors_name_the_row_and_what_to_do(chat_lm) -> None:
    with pytest.raises(ConfigError, match=r"test row 0, column 'turns': item 3 is neither a string nor a message"):
        ChatInferencer().infer_chunk(chat_lm, _builder([{'turns': ['hi', 3], 'answer': ''}]), [0])
    with pytest.raises(ConfigError, match=r"test row 0 has no gold answer.*infer_mode='every'"):
        ChatInferencer(infer_mode='every_with_gt', max_out_len=2).infer_chunk(chat_lm, _builder(ROWS[:1]), [0])
    with pytest.raises(ConfigError, match='infer_mode: expected one of last, every, every_with_gt'):
        ChatInferencer(infer_mode='all')  # type: ignore[arg-type]
